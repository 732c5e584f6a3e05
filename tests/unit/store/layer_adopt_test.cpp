// AdoptLayer without privileges: the directory becomes the layer by rename (same inodes),
// the blob is CommitLayer's output for that directory, the layer equals the unpacked blob,
// CommitImage uses the adopted layer without unpacking it, equal content reuses the layer,
// and the directories that cannot be adopted are refused without harm.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/base/io.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/compression.hpp"
#include "berth/store/layer_commit.hpp"
#include "berth/store/layer_unpack.hpp"
#include "unit/store/layer_adopt_fixture.hpp"

namespace berth::store::adopt_test {
namespace {

using berth::testing::CompareLayerTrees;
using berth::testing::DumpTree;
using berth::testing::EntriesWithNanoseconds;

std::string ReadBlob(const Store& s, const Digest& d) {
  auto data = s.blobs().Read(d, 1 << 30);
  EXPECT_TRUE(data) << data.error().ToString();
  return data ? *data : "";
}

Digest TarDigestOf(const std::string& blob) {
  MemoryReader in(blob);
  auto d = DecompressReader::Open(in);
  EXPECT_TRUE(d);
  HashingWriter hash(nullptr);
  EXPECT_TRUE(Copy(**d, hash));
  return hash.Finish();
}

TEST_F(LayerAdoptTest, DirectoryBecomesTheLayerByRename) {
  fs::path upper = MakeUpper("upper");
  ino_t dir_ino = Inode(upper), file_ino = Inode(upper / "bin" / "tool");
  auto r = Adopt(upper);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE(fs::exists(upper));
  EXPECT_FALSE(r->reused);
  fs::path diff = store_->layers().DiffDir(r->diff_id);
  EXPECT_EQ(Inode(diff), dir_ino);
  EXPECT_EQ(Inode(diff / "bin" / "tool"), file_ino);

  std::string blob = ReadBlob(*store_, r->digest);
  EXPECT_EQ(Digest::Of(blob), r->digest);
  EXPECT_EQ(blob.size(), r->size);
  EXPECT_EQ(TarDigestOf(blob), r->diff_id.digest());
  EXPECT_EQ(r->media_type, media::kOciLayerGzip);
  EXPECT_EQ(r->chain_id, ComputeChainId({base_.diff_id, r->diff_id}));
  EXPECT_EQ(r->descriptor().digest, r->digest);
  EXPECT_EQ(r->descriptor().size, static_cast<int64_t>(r->size));

  auto rec = store_->layers().Get(r->diff_id);
  ASSERT_TRUE(rec) << rec.error().ToString();
  EXPECT_EQ(rec->size, r->tar_size);
  EXPECT_EQ(rec->blobs, std::vector<Digest>{r->digest});
  EXPECT_EQ(Count("tmp"), 0u);
  EXPECT_EQ(Problems(false), "");
}

// The blob is what CommitLayer writes for the layer directory as it now is, byte for byte.
TEST_F(LayerAdoptTest, BlobIsCommitLayerOfTheLayerDirectory) {
  for (CommitOptions commit :
       {CommitOptions{},
        CommitOptions{.compression = Compression::kZstd, .source_date_epoch = kEpoch},
        CommitOptions{.compression = Compression::kNone}}) {
    SCOPED_TRACE(std::string(CompressionName(commit.compression)));
    fs::path upper = MakeUpper("upper-" + std::string(CompressionName(commit.compression)));
    auto r = Adopt(upper, {.commit = commit});
    ASSERT_TRUE(r) << r.error().ToString();
    auto fd = Open(store_->layers().DiffDir(r->diff_id), O_RDONLY | O_DIRECTORY);
    ASSERT_TRUE(fd);
    StringWriter again;
    auto stats = CommitLayer(fd->get(), again, commit);
    ASSERT_TRUE(stats) << stats.error().ToString();
    EXPECT_EQ(stats->diff_id, r->diff_id);
    EXPECT_EQ(again.str(), ReadBlob(*store_, r->digest));
  }
}

class LayerEqualsUnpackedBlob : public LayerAdoptTest,
                                public ::testing::WithParamInterface<bool> {};

TEST_P(LayerEqualsUnpackedBlob, ForTheSameTree) {
  const bool clamp = GetParam();
  fs::path upper = MakeUpper("upper");
  AdoptOptions options;
  if (clamp) options.commit.source_date_epoch = kEpoch;
  auto r = Adopt(upper, options);
  ASSERT_TRUE(r) << r.error().ToString();
  fs::path diff = store_->layers().DiffDir(r->diff_id);

  fs::path unpacked = tmp_.path() / "unpacked";
  ASSERT_EQ(::mkdir(unpacked.c_str(), 0755), 0);
  auto blob = store_->blobs().Open(r->digest);
  ASSERT_TRUE(blob);
  FdReader in(blob->get());
  auto dest = Open(unpacked, O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(dest);
  auto stats = UnpackLayer(in, dest->get());
  ASSERT_TRUE(stats) << stats.error().ToString();
  EXPECT_EQ(stats->diff_id, r->diff_id);

  std::string diffs;
  for (const auto& d : CompareLayerTrees(diff, unpacked)) diffs += d + "\n";
  EXPECT_EQ(diffs, "") << "layer:\n" << DumpTree(diff) << "unpacked:\n" << DumpTree(unpacked);
  EXPECT_TRUE(EntriesWithNanoseconds(diff).empty());

  // What normalising changed, checked directly as well.
  auto tree = berth::testing::ReadTree(diff);
  EXPECT_FALSE(tree.count("run/sock"));
  EXPECT_EQ(tree[""].mode, 0755u);
  EXPECT_TRUE(tree[""].xattrs.empty());
  EXPECT_EQ(tree["bin/tool"].mode, 04755u);
  EXPECT_EQ(tree["new"].mtime, clamp ? kEpoch : kLate.tv_sec);
  EXPECT_EQ(tree["etc/conf"].mtime, TreeMaker::kDefaultTime.tv_sec);
  if (xattrs_) {
    EXPECT_EQ(tree["etc/conf"].xattrs,
              (std::map<std::string, std::string>{{"user.note", "hello"}}));
  }
}

INSTANTIATE_TEST_SUITE_P(Clamp, LayerEqualsUnpackedBlob, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Epoch" : "NoEpoch"; });

TEST_F(LayerAdoptTest, CommitImageUsesTheAdoptedLayerWithoutUnpacking) {
  fs::path upper = MakeUpper("upper");
  ino_t file_ino = Inode(upper / "deep" / "er" / "est");
  auto r = Adopt(upper);
  ASSERT_TRUE(r) << r.error().ToString();
  Digest m = berth::testing::PutImage(*store_, {base_, {r->descriptor(), r->diff_id}});
  // If CommitImage read the layer's blob (to unpack it again), these bytes would fail it.
  const fs::path blob_path = store_->blobs().PathOf(r->digest);
  const std::string blob = ReadBlob(*store_, r->digest);
  ASSERT_TRUE(WriteFileAtomic(blob_path, "not a layer"));
  auto image = store_->CommitImage(m, {"localhost/adopted:latest"});
  ASSERT_TRUE(WriteFileAtomic(blob_path, blob));
  ASSERT_TRUE(image) << image.error().ToString();
  fs::path diff = store_->layers().DiffDir(r->diff_id);
  EXPECT_EQ(Inode(diff / "deep" / "er" / "est"), file_ino);
  auto base_rec = store_->layers().Get(base_.diff_id);
  ASSERT_TRUE(base_rec);
  EXPECT_EQ(image->size, base_rec->size + r->tar_size);
  auto view = store_->ReadImage(*store_->FindImage("localhost/adopted"));
  ASSERT_TRUE(view) << view.error().ToString();
  EXPECT_EQ(view->config.diff_ids.back(), r->diff_id);
  auto spec = store_->ImageMountSpec(*view, tmp_.path() / "merged");
  ASSERT_TRUE(spec) << spec.error().ToString();
  auto rec = store_->layers().Get(r->diff_id);
  EXPECT_NE(spec->data.find("lowerdir=" + LayerStore::LinkPath(*rec) + ":"), std::string::npos)
      << spec->data;
  EXPECT_EQ(Count("tmp"), 0u);
  // Nothing is garbage now: the image holds the layer and its blob.
  auto gc = store_->GarbageCollect();
  ASSERT_TRUE(gc) << gc.error().ToString();
  EXPECT_TRUE(gc->layers_removed.empty());
  EXPECT_TRUE(gc->blobs_removed.empty());
  EXPECT_EQ(Problems(true), "");
}

TEST_F(LayerAdoptTest, EqualContentReusesTheLayer) {
  fs::path first = MakeUpper("first");
  ino_t first_ino = Inode(first);
  auto a = Adopt(first);
  ASSERT_TRUE(a) << a.error().ToString();
  fs::path second = MakeUpper("second");
  auto b = Adopt(second);
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_TRUE(b->reused);
  EXPECT_FALSE(fs::exists(second));
  EXPECT_EQ(b->diff_id, a->diff_id);
  EXPECT_EQ(b->digest, a->digest);
  EXPECT_EQ(b->chain_id, a->chain_id);
  EXPECT_EQ(Inode(store_->layers().DiffDir(a->diff_id)), first_ino);
  // On another parent chain: another chain id, the same layer directory.
  fs::path third = MakeUpper("third");
  auto c = AdoptLayer(*store_, third, {});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_TRUE(c->reused);
  EXPECT_EQ(c->diff_id, a->diff_id);
  EXPECT_EQ(c->chain_id, ComputeChainId({a->diff_id}));
  EXPECT_NE(c->chain_id, a->chain_id);
  EXPECT_EQ(Count("layers"), 2u);  // the base and this one
  EXPECT_EQ(Count("l"), 2u);
  EXPECT_EQ(Count("tmp"), 0u);
  EXPECT_EQ(Problems(true), "");
}

// Two processes adopting equal content at once (each with its own Store and shared lock,
// as two builds would): both succeed, one directory becomes the layer, the other is dropped.
TEST_F(LayerAdoptTest, ConcurrentAdoptionsOfEqualContentLeaveOneLayer) {
  fs::path dirs[2] = {MakeUpper("one"), MakeUpper("two")};
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  pid_t pids[2];
  for (int i = 0; i < 2; ++i) {
    pids[i] = ::fork();
    ASSERT_GE(pids[i], 0);
    if (pids[i] == 0) {
      ::close(go[1]);
      auto s = Store::Open(root_);
      char c;
      if (!s || ::read(go[0], &c, 1) != 0) ::_exit(1);
      auto r = AdoptLayer(*s, dirs[i], {base_.diff_id});
      ::_exit(!r ? 2 : r->reused ? 10 : 11);
    }
  }
  ::close(go[0]);
  ::close(go[1]);  // both start now
  int codes[2];
  for (int i = 0; i < 2; ++i) {
    int status = 0;
    ASSERT_EQ(::waitpid(pids[i], &status, 0), pids[i]);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    codes[i] = WEXITSTATUS(status);
  }
  EXPECT_EQ(codes[0] + codes[1], 21) << codes[0] << " " << codes[1];
  EXPECT_FALSE(fs::exists(dirs[0]));
  EXPECT_FALSE(fs::exists(dirs[1]));
  EXPECT_EQ(Count("layers"), 2u);
  EXPECT_EQ(Count("l"), 2u);
  EXPECT_EQ(Count("tmp"), 0u);
  EXPECT_EQ(Problems(true), "");
}

TEST_F(LayerAdoptTest, DifferentContentMakesAnotherLayer) {
  auto a = Adopt(MakeUpper("first"));
  ASSERT_TRUE(a) << a.error().ToString();
  fs::path second = MakeUpper("second");
  TreeMaker(second).File("extra", "x");
  auto b = Adopt(second);
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_FALSE(b->reused);
  EXPECT_NE(b->diff_id, a->diff_id);
  EXPECT_EQ(Count("layers"), 3u);
}

TEST_F(LayerAdoptTest, RefusesADirectoryOnAnotherFilesystem) {
  struct stat shm, tmp;
  if (::stat("/dev/shm", &shm) < 0 || ::stat(tmp_.path().c_str(), &tmp) < 0 ||
      shm.st_dev == tmp.st_dev) {
    GTEST_SKIP() << "no /dev/shm on a filesystem other than " << tmp_.path();
  }
  auto other = TempDir::Create("/dev/shm", "berth-adopt-");
  ASSERT_TRUE(other) << other.error().ToString();
  TreeMaker(other->path()).File("f", "data");
  auto r = Adopt(other->path());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("another filesystem"), std::string::npos) << r.error().message;
  EXPECT_TRUE(fs::exists(other->path() / "f"));
  EXPECT_EQ(Count("layers"), 1u);
}

TEST_F(LayerAdoptTest, RefusesTheStoresOwnDirectories) {
  fs::path base_diff = store_->layers().DiffDir(base_.diff_id);
  ino_t ino = Inode(base_diff);
  for (const fs::path& p : {base_diff, root_, root_ / "layers", tmp_.path()}) {
    auto r = Adopt(p);
    ASSERT_FALSE(r) << p;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().ToString();
  }
  EXPECT_EQ(Inode(base_diff), ino);
  EXPECT_EQ(Problems(false), "");
}

TEST_F(LayerAdoptTest, RefusesASymlinkToADirectory) {
  fs::path upper = MakeUpper("upper");
  fs::path link = tmp_.path() / "link";
  ASSERT_EQ(::symlink(upper.c_str(), link.c_str()), 0);
  auto r = Adopt(link);
  ASSERT_FALSE(r);
  EXPECT_TRUE(fs::exists(upper / "bin" / "tool"));
  EXPECT_EQ(Count("layers"), 1u);
}

TEST_F(LayerAdoptTest, ReservedWhiteoutNameFailsAndLeavesTheDirectory) {
  fs::path upper = MakeUpper("upper");
  TreeMaker(upper).File("etc/.wh.conf", "");
  auto r = Adopt(upper);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(".wh."), std::string::npos) << r.error().message;
  EXPECT_TRUE(fs::exists(upper / "etc" / ".wh.conf"));
  EXPECT_EQ(Count("layers"), 1u);
  EXPECT_EQ(Count("tmp"), 0u);
}

}  // namespace
}  // namespace berth::store::adopt_test
