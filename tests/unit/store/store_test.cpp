#include "berth/store/store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/tar_builder.hpp"

namespace berth::store {
namespace {

using berth::testing::TarBuilder;
using berth::testing::TarCompression;

// Puts a layer, config and manifest into the store's blobs and returns the manifest digest.
Digest PutImage(Store& store, const std::vector<TarBuilder>& layers,
                const std::string& created = "2024-01-02T03:04:05Z") {
  nlohmann::json config = {{"architecture", "amd64"}, {"os", "linux"}, {"created", created}};
  config["config"] = {{"Env", {"PATH=/bin"}}, {"Cmd", {"sh"}}};
  nlohmann::json diff_ids = nlohmann::json::array();
  nlohmann::json descs = nlohmann::json::array();
  for (const auto& l : layers) {
    std::string tar = l.Build();
    std::string gz = l.Build(TarCompression::kGzip);
    diff_ids.push_back(Digest::Of(tar).String());
    auto d = store.blobs().Put(gz);
    EXPECT_TRUE(d);
    descs.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                     {"digest", d->String()},
                     {"size", gz.size()}});
  }
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  std::string config_json = config.dump();
  auto cd = store.blobs().Put(config_json);
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                             {"config",
                              {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                               {"digest", cd->String()},
                               {"size", config_json.size()}}},
                             {"layers", descs}};
  auto md = store.blobs().Put(manifest.dump());
  EXPECT_TRUE(md);
  return *md;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(::testing::TempDir(), "store-");
    ASSERT_TRUE(t);
    dir_ = std::move(*t);
    auto s = Store::Open(dir_.path() / "root");
    ASSERT_TRUE(s) << s.error().ToString();
    store_.emplace(std::move(*s));
    base_.Dir("bin").File("bin/sh", "#!shell\n", 0755).Dir("etc").File("etc/os-release", "ID=t\n");
    app_.Dir("app").File("app/run", "run\n", 0755);
    other_.Dir("srv").File("srv/data", "data\n");
  }
  size_t Count(const char* sub) { return ListDir(dir_.path() / "root" / sub)->size(); }

  TempDir dir_;
  std::optional<Store> store_;
  TarBuilder base_, app_, other_;
};

TEST_F(StoreTest, CommitAndFindByNameIdAndDigest) {
  Digest m = PutImage(*store_, {base_, app_});
  auto rec = store_->CommitImage(m, {"docker.io/library/app:latest"});
  ASSERT_TRUE(rec) << rec.error().ToString();
  EXPECT_EQ(rec->created, 1704164645);
  EXPECT_GT(rec->size, 0u);
  for (const std::string& q : std::vector<std::string>{"app", "app:latest", "docker.io/library/app", rec->config.hex(),
                        rec->config.Short(), rec->config.String(), rec->config.hex().substr(0, 5)}) {
    auto found = store_->FindImage(q);
    ASSERT_TRUE(found) << q << ": " << found.error().ToString();
    EXPECT_EQ(found->manifest, m) << q;
  }
  auto by_digest = store_->FindImage("docker.io/library/app@" + m.String());
  ASSERT_TRUE(by_digest) << by_digest.error().ToString();
  auto missing = store_->FindImage("nothere");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Count("layers"), 2u);
  EXPECT_EQ(Count("l"), 2u);
  auto view = store_->ReadImage(*rec);
  ASSERT_TRUE(view);
  EXPECT_TRUE(fs::exists(store_->layers().DiffDir(view->config.diff_ids[1]) / "app" / "run"));
  // Committing again is idempotent.
  ASSERT_TRUE(store_->CommitImage(m, {"docker.io/library/app:latest"}));
  EXPECT_EQ(store_->images().List()->size(), 1u);
}

TEST_F(StoreTest, RemovingAnImageKeepsWhatAnotherUses) {
  Digest a = PutImage(*store_, {base_, app_});
  Digest b = PutImage(*store_, {base_, other_}, "2024-02-02T00:00:00Z");
  ASSERT_TRUE(store_->CommitImage(a, {"docker.io/library/a:latest"}));
  ASSERT_TRUE(store_->CommitImage(b, {"docker.io/library/b:latest"}));
  EXPECT_EQ(Count("layers"), 3u);
  size_t blobs_before = Count("blobs/sha256");
  EXPECT_EQ(blobs_before, 2u + 2u + 3u);  // 2 manifests, 2 configs, 3 distinct layer blobs
  auto r = store_->RemoveImage("a");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->deleted.size(), 1u);
  EXPECT_EQ(Count("layers"), 2u);
  EXPECT_EQ(Count("l"), 2u);
  EXPECT_EQ(Count("blobs/sha256"), 4u);
  auto view = store_->ReadImage(*store_->FindImage("b"));
  ASSERT_TRUE(view) << view.error().ToString();
  for (const auto& d : view->config.diff_ids) EXPECT_TRUE(store_->layers().Has(d));
  ASSERT_TRUE(store_->RemoveImage("b"));
  EXPECT_EQ(Count("layers"), 0u);
  EXPECT_EQ(Count("l"), 0u);
  EXPECT_EQ(Count("blobs/sha256"), 0u);
  EXPECT_EQ(Count("tmp"), 0u);
}

TEST_F(StoreTest, RemovingOneOfSeveralNamesOnlyUntags) {
  Digest a = PutImage(*store_, {base_});
  auto rec = store_->CommitImage(a, {"docker.io/library/a:1"});
  ASSERT_TRUE(rec);
  ASSERT_TRUE(store_->Tag(*rec, "localhost:5000/team/a:2"));
  auto r = store_->RemoveImage("a:1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->deleted.empty());
  EXPECT_EQ(r->untagged, std::vector<std::string>{"docker.io/library/a:1"});
  ASSERT_TRUE(store_->FindImage("localhost:5000/team/a:2"));
  EXPECT_FALSE(store_->FindImage("a:1"));
  auto last = store_->RemoveImage("localhost:5000/team/a:2");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->deleted.size(), 1u);
  EXPECT_EQ(Count("blobs/sha256"), 0u);
}

TEST_F(StoreTest, PruneRemovesOnlyDanglingImages) {
  Digest a = PutImage(*store_, {base_});
  Digest b = PutImage(*store_, {app_}, "2024-05-05T00:00:00Z");
  ASSERT_TRUE(store_->CommitImage(a, {"docker.io/library/keep:latest"}));
  ASSERT_TRUE(store_->CommitImage(b, {}));
  auto r = store_->PruneImages();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->deleted.size(), 1u);
  ASSERT_TRUE(store_->FindImage("keep"));
  EXPECT_EQ(store_->images().List()->size(), 1u);
  EXPECT_EQ(Count("layers"), 1u);
}

TEST_F(StoreTest, HeldImageIsNeitherRemovedNorPrunedNorCollected) {
  Digest a = PutImage(*store_, {base_, app_});
  Digest b = PutImage(*store_, {other_}, "2024-05-05T00:00:00Z");
  auto rec = store_->CommitImage(a, {"docker.io/library/a:1"});
  ASSERT_TRUE(rec);
  auto dangling = store_->CommitImage(b, {});
  ASSERT_TRUE(dangling);
  ASSERT_TRUE(store_->Tag(*rec, "docker.io/library/a:2"));
  ASSERT_TRUE(store_->HoldImage("c0ffee", *rec));
  ASSERT_TRUE(store_->HoldImage("d00d", *dangling));
  // Untagging one of two names is still allowed; deleting is not.
  ASSERT_TRUE(store_->RemoveImage("a:2"));
  auto busy = store_->RemoveImage("a:1");
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kBusy);
  EXPECT_NE(busy.error().message.find("in use by container c0ffee"), std::string::npos)
      << busy.error().message;
  auto pruned = store_->PruneImages();
  ASSERT_TRUE(pruned);
  EXPECT_TRUE(pruned->deleted.empty());
  ASSERT_TRUE(store_->GarbageCollect());
  EXPECT_EQ(Count("layers"), 3u);
  auto holders = store_->HoldersOf(*rec);
  ASSERT_TRUE(holders);
  EXPECT_EQ(*holders, std::vector<std::string>{"c0ffee"});
  // Released, the image goes as usual; releasing twice is fine.
  ASSERT_TRUE(store_->ReleaseHold("c0ffee"));
  ASSERT_TRUE(store_->ReleaseHold("c0ffee"));
  ASSERT_TRUE(store_->RemoveImage("a:1"));
  ASSERT_TRUE(store_->ReleaseHold("d00d"));
  ASSERT_TRUE(store_->PruneImages());
  EXPECT_EQ(Count("layers"), 0u);
  EXPECT_FALSE(store_->HoldImage("../x", *rec));
}

TEST_F(StoreTest, WrongDiffIdIsRejectedAndNothingIsKept) {
  Digest m = PutImage(*store_, {base_});
  // Swap the config for one that claims a different diff_id.
  auto view_manifest = nlohmann::json::parse(*store_->blobs().Read(m));
  nlohmann::json config = {{"architecture", "amd64"}, {"os", "linux"}};
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", {Digest::Of("not it").String()}}};
  std::string cj = config.dump();
  auto cd = store_->blobs().Put(cj);
  view_manifest["config"]["digest"] = cd->String();
  view_manifest["config"]["size"] = cj.size();
  auto bad = store_->blobs().Put(view_manifest.dump());
  auto r = store_->CommitImage(*bad, {"docker.io/library/bad:latest"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDigestMismatch);
  EXPECT_NE(r.error().message.find("diff_id"), std::string::npos);
  EXPECT_EQ(Count("layers"), 0u);
  EXPECT_EQ(Count("tmp"), 0u);
  EXPECT_TRUE(store_->images().List()->empty());
}

TEST_F(StoreTest, MissingLayerBlobFailsClearly) {
  Digest m = PutImage(*store_, {base_, app_});
  auto view_manifest = nlohmann::json::parse(*store_->blobs().Read(m));
  auto layer = Digest::Parse(view_manifest["layers"][1]["digest"].get<std::string>());
  ASSERT_TRUE(store_->blobs().Remove(*layer));
  auto r = store_->CommitImage(m, {"docker.io/library/x:latest"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find(layer->String()), std::string::npos);
  EXPECT_TRUE(store_->images().List()->empty());
}

TEST_F(StoreTest, LeftoversOfACrashAreIgnoredThenCollected) {
  Digest m = PutImage(*store_, {base_});
  ASSERT_TRUE(store_->CommitImage(m, {"docker.io/library/a:latest"}));
  // What a SIGKILL mid-unpack and mid-ingest leaves: a stage dir, a stage file, a link to a
  // layer that never arrived.
  fs::path root = dir_.path() / "root";
  ASSERT_TRUE(MakeDirs(root / "tmp" / "dir-crash" / "diff" / "etc"));
  ASSERT_TRUE(WriteFileAtomic(root / "tmp" / "blob-crash", "partial"));
  ASSERT_EQ(::symlink("../layers/deadbeef/diff", (root / "l" / "zzzzzzzzzzzzzzzz").c_str()), 0);
  // A second process opening the store works and sees the image.
  {
    auto again = Store::Open(root);
    ASSERT_TRUE(again);
    ASSERT_TRUE(again->FindImage("a"));
  }  // its shared lock goes with it, so GC below can take the exclusive lock
  auto gc = store_->GarbageCollect();
  ASSERT_TRUE(gc) << gc.error().ToString();
  EXPECT_EQ(Count("tmp"), 0u);
  EXPECT_EQ(Count("l"), 1u);
  EXPECT_EQ(Count("layers"), 1u);
  ASSERT_TRUE(store_->ReadImage(*store_->FindImage("a")));
}

TEST_F(StoreTest, RefusesAStoreOnOverlayfsOnlyWhenItIsOne) {
  // The store root here is on the test machine's own filesystem; opening must succeed.
  EXPECT_TRUE(Store::Open(dir_.path() / "second"));
}

}  // namespace
}  // namespace berth::store
