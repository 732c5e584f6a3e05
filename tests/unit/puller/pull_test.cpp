#include "berth/puller/pull.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/puller/registry_config.hpp"
#include "berth/puller/token_cache.hpp"
#include "registry_fixture.hpp"

namespace berth::puller {
namespace {

using testing::FakeResponse;
using testing::kReg;

class PullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create("/tmp", "berth-pull-test-");
    ASSERT_TRUE(d);
    dir_ = std::move(*d);
    auto s = store::Store::Open(dir_.path() / "root");
    ASSERT_TRUE(s) << s.error().message;
    store_.emplace(std::move(*s));
    testing::AddAuth(*t_);
  }
  PullOptions Options(const std::string& ref) {
    PullOptions o;
    o.reference = ref;
    o.access.transport = t_;
    o.access.use_environment = false;
    o.access.certs_roots = {(dir_.path() / "no-certs").string()};
    o.access.retry.sleep = [](int64_t) {};
    return o;
  }
  std::string BlobUrl(const std::string& d) { return std::string(kReg) + "/v2/app/blobs/" + d; }

  TempDir dir_;
  std::optional<store::Store> store_;
  std::shared_ptr<testing::FakeTransport> t_ = std::make_shared<testing::FakeTransport>();
};

TEST_F(PullTest, PullsAndCommitsImage) {
  auto img = testing::MakeImage(3);
  testing::AddImage(*t_, img, "1");
  auto r = Pull(*store_, Options("reg.test/app:1"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->image_id.String(), img.Digest(img.config));
  EXPECT_EQ(r->repo_digest, "reg.test/app@" + img.Digest(img.manifest));
  auto found = store_->FindImage("reg.test/app:1");
  ASSERT_TRUE(found) << found.error().message;
  for (const auto& d : img.diff_ids) EXPECT_TRUE(store_->layers().Has(*store::DiffId::Parse(d)));
}

TEST_F(PullTest, PresentLayersAreNotFetchedAgain) {
  auto img = testing::MakeImage(2);
  testing::AddImage(*t_, img, "1");
  ASSERT_TRUE(Pull(*store_, Options("reg.test/app:1")));
  size_t before = t_->requests().size();
  struct Progress : PullProgress {
    int exists = 0;
    void BlobExists(const store::Digest&) override { ++exists; }
  } progress;
  auto o = Options("reg.test/app:1");
  o.progress = &progress;
  ASSERT_TRUE(Pull(*store_, o));
  EXPECT_EQ(progress.exists, 2);
  auto all = t_->requests();
  for (size_t i = before; i < all.size(); ++i) {
    EXPECT_EQ(all[i].url.find("/blobs/"), std::string::npos) << all[i].url;
  }
}

TEST_F(PullTest, WrongBlobDigestLeavesNothing) {
  auto img = testing::MakeImage(1);
  std::string bad = img.layers[0];
  bad[bad.size() - 1] ^= 1;
  t_->On("GET", std::string(kReg) + "/v2/app/manifests/1",
         testing::Json(img.manifest, "application/vnd.oci.image.manifest.v1+json"));
  t_->On("GET", BlobUrl(img.Digest(img.config)), FakeResponse{200, {}, img.config, -1});
  t_->On("GET", BlobUrl(img.Digest(img.layers[0])), FakeResponse{200, {}, bad, -1});
  auto r = Pull(*store_, Options("reg.test/app:1"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDigestMismatch) << r.error().message;
  EXPECT_NE(r.error().message.find("pull reg.test/app:1: layer sha256:"), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(store_->blobs().Has(*store::Digest::Parse(img.Digest(img.layers[0]))));
  EXPECT_FALSE(store_->FindImage("reg.test/app:1"));
}

TEST_F(PullTest, TruncatedBlobResumesWithRange) {
  auto img = testing::MakeImage(1);
  const std::string& blob = img.layers[0];
  std::string url = BlobUrl(img.Digest(blob));
  size_t cut = blob.size() / 2;
  // Replace the blob route: first answer breaks mid-body, the resume gets the rest (206).
  auto fresh = std::make_shared<testing::FakeTransport>();
  testing::AddAuth(*fresh);
  fresh->On("GET", std::string(kReg) + "/v2/app/manifests/1",
            testing::Json(img.manifest, "application/vnd.oci.image.manifest.v1+json"));
  fresh->On("GET", BlobUrl(img.Digest(img.config)), FakeResponse{200, {}, img.config, -1});
  fresh->On("GET", url, FakeResponse{200, {}, blob, static_cast<long>(cut)});
  fresh->On("GET", url, FakeResponse{206, {}, blob.substr(cut), -1});
  t_ = fresh;
  auto r = Pull(*store_, Options("reg.test/app:1"));
  ASSERT_TRUE(r) << r.error().message;
  auto reqs = t_->requests();
  std::vector<std::string> ranges;
  for (const auto& q : reqs) {
    if (q.url == url) ranges.push_back(q.Header("Range"));
  }
  EXPECT_EQ(ranges, (std::vector<std::string>{"", "bytes=" + std::to_string(cut) + "-"}));
}

TEST_F(PullTest, ServerIgnoringRangeRestarts) {
  auto img = testing::MakeImage(1);
  const std::string& blob = img.layers[0];
  std::string url = BlobUrl(img.Digest(blob));
  t_->On("GET", std::string(kReg) + "/v2/app/manifests/1",
         testing::Json(img.manifest, "application/vnd.oci.image.manifest.v1+json"));
  t_->On("GET", BlobUrl(img.Digest(img.config)), FakeResponse{200, {}, img.config, -1});
  t_->On("GET", url, FakeResponse{200, {}, blob, static_cast<long>(blob.size() / 3)});
  t_->On("GET", url, FakeResponse{200, {}, blob, -1});  // Range ignored: whole blob again
  auto r = Pull(*store_, Options("reg.test/app:1"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(store_->blobs().Has(*store::Digest::Parse(img.Digest(blob))));
}

TEST_F(PullTest, IndexChoosesPlatformAndRecordsIndexDigest) {
  auto img = testing::MakeImage(1);
  std::string md = img.Digest(img.manifest);
  nlohmann::json idx = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.index.v1+json"},
      {"manifests",
       {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
         {"digest", store::Digest::Of("amd").String()},
         {"size", 3},
         {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}},
        {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
         {"digest", store::Digest::Of("att").String()},
         {"size", 3},
         {"annotations", {{"vnd.docker.reference.type", "attestation-manifest"}}},
         {"platform", {{"os", "linux"}, {"architecture", "arm64"}}}},
        {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
         {"digest", md},
         {"size", img.manifest.size()},
         {"platform", {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}}}}}}};
  std::string index = idx.dump();
  testing::AddImage(*t_, img, md);
  t_->On("GET", std::string(kReg) + "/v2/app/manifests/multi",
         testing::Json(index, "application/vnd.oci.image.index.v1+json"));
  auto o = Options("reg.test/app:multi");
  o.platform = "arm64";
  auto r = Pull(*store_, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->pulled_digest, store::Digest::Of(index));
  EXPECT_EQ(r->manifest.String(), md);
  o.platform = "linux/s390x";
  auto none = Pull(*store_, o);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_NE(none.error().message.find("linux/amd64, linux/arm64/v8"), std::string::npos)
      << none.error().message;
}

TEST_F(PullTest, MalformedManifestNamesField) {
  t_->On("GET", std::string(kReg) + "/v2/app/manifests/bad",
         testing::Json(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":42},"layers":[]})",
                       "application/vnd.oci.image.manifest.v1+json"));
  auto r = Pull(*store_, Options("reg.test/app:bad"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("config.digest"), std::string::npos) << r.error().message;
}

TEST_F(PullTest, MirrorsTriedInOrderThenOrigin) {
  auto img = testing::MakeImage(1);
  testing::AddImage(*t_, img, "1");
  auto conf = dir_.path() / "registries.json";
  ASSERT_TRUE(WriteFileAtomic(
      conf, R"({"registries":{"reg.test":{"mirrors":["m1.test","m2.test:5000"]},"m2.test:5000":{"insecure":true}}})"));
  auto o = Options("reg.test/app:1");
  o.access.registries_conf = conf.string();
  auto r = Pull(*store_, o);
  ASSERT_TRUE(r) << r.error().message;
  auto log = t_->Log();
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(log[0], "GET https://m1.test/v2/");
  EXPECT_NE(std::find(log.begin(), log.end(), "GET http://m2.test:5000/v2/"), log.end());
  EXPECT_NE(std::find(log.begin(), log.end(), "GET https://reg.test/v2/"), log.end());
}

TEST_F(PullTest, LocationReplacesTheRegistrysOwnHost) {
  // A replica configured as the registry's location: neither the mirrors' failure nor
  // anything else may send a request to the registry's public host.
  auto img = testing::MakeImage(1);
  testing::AddImage(*t_, img, "1");
  auto conf = dir_.path() / "registries.json";
  ASSERT_TRUE(WriteFileAtomic(
      conf, R"({"registries":{"public.test":{"mirrors":["m1.test"],"location":"reg.test"}}})"));
  auto o = Options("public.test/app:1");
  o.access.registries_conf = conf.string();
  auto r = Pull(*store_, o);
  ASSERT_TRUE(r) << r.error().message;
  for (const auto& line : t_->Log()) EXPECT_EQ(line.find("public.test/"), std::string::npos) << line;
  EXPECT_EQ(t_->Log()[0], "GET https://m1.test/v2/");
  auto bad = ParseRegistriesConfig(R"({"registries":{"r":{"location":""}}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("registries.r.location"), std::string::npos);
}

TEST_F(PullTest, RepullWithTheStoresTokenCacheIsOneManifestRequest) {
  auto img = testing::MakeImage(2);
  testing::AddImage(*t_, img, "1");
  auto o = Options("reg.test/app:1");
  o.access.token_cache_dir = TokenCacheDir(store_->root()).string();
  ASSERT_TRUE(Pull(*store_, o));
  size_t before = t_->requests().size();
  auto r = Pull(*store_, o);  // new clients, as in a second berth process
  ASSERT_TRUE(r) << r.error().message;
  auto log = t_->Log();
  EXPECT_EQ(std::vector<std::string>(log.begin() + static_cast<std::ptrdiff_t>(before), log.end()),
            std::vector<std::string>{"GET " + std::string(kReg) + "/v2/app/manifests/1"})
      << "no ping, no token";
  EXPECT_EQ(r->image_id.String(), img.Digest(img.config));
}

}  // namespace
}  // namespace berth::puller

namespace berth::puller {
namespace {

TEST_F(PullTest, PushOrderHeadMountUploadManifestLast) {
  auto img = testing::MakeImage(1);
  testing::AddImage(*t_, img, "1");
  ASSERT_TRUE(Pull(*store_, Options("reg.test/app:1")));
  const std::string base = std::string(kReg) + "/v2/other/";
  t_->On("GET",
         "https://auth.test/token?service=reg.test&scope=repository%3Aother%3Apull%2Cpush&scope="
         "repository%3Aapp%3Apull",
         FakeResponse{200, {}, R"({"token":"push"})", -1});
  std::string layer = img.Digest(img.layers[0]);
  std::string config = img.Digest(img.config);
  t_->On("HEAD", base + "blobs/" + layer, FakeResponse{404, {}, "", -1});
  t_->On("HEAD", base + "blobs/" + config, FakeResponse{404, {}, "", -1});
  t_->On("POST", base + "blobs/uploads/?mount=" + layer + "&from=app", FakeResponse{201, {}, "", -1});
  t_->On("POST", base + "blobs/uploads/?mount=" + config + "&from=app",
         FakeResponse{202, {{"location", "/v2/other/blobs/uploads/u0"}}, "", -1});
  t_->On("DELETE", base + "blobs/uploads/u0", FakeResponse{204, {}, "", -1});
  t_->On("POST", base + "blobs/uploads/", FakeResponse{202, {{"location", "/v2/other/blobs/uploads/u1?s=1"}}, "", -1});
  t_->On("PUT", base + "blobs/uploads/u1?s=1&digest=" + config, FakeResponse{201, {}, "", -1});
  t_->On("PUT", base + "manifests/2", FakeResponse{201, {}, "", -1});
  size_t before = t_->requests().size();
  PushOptions o;
  o.source = "reg.test/app:1";
  o.destination = "reg.test/other:2";
  o.access = Options("x").access;
  auto d = Push(*store_, o);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->String(), img.Digest(img.manifest));
  std::vector<std::string> log;
  auto all = t_->requests();
  for (size_t i = before; i < all.size(); ++i) {
    const auto& r = all[i];
    if (r.url.rfind(kReg, 0) == 0 && r.url != std::string(kReg) + "/v2/") log.push_back(r.method + " " + r.url.substr(std::string(kReg).size()));
  }
  std::vector<std::string> want = {
      "HEAD /v2/other/blobs/" + layer,
      "POST /v2/other/blobs/uploads/?mount=" + layer + "&from=app",
      "HEAD /v2/other/blobs/" + config,
      "POST /v2/other/blobs/uploads/?mount=" + config + "&from=app",
      "DELETE /v2/other/blobs/uploads/u0",
      "POST /v2/other/blobs/uploads/",
      "PUT /v2/other/blobs/uploads/u1?s=1&digest=" + config,
      "PUT /v2/other/manifests/2"};
  EXPECT_EQ(log, want);
  auto reqs = t_->requests();
  EXPECT_EQ(reqs.back().body, img.manifest);
  EXPECT_EQ(reqs.back().Header("Content-Type"), "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(reqs.back().Header("Authorization"), "Bearer push");
  EXPECT_EQ(reqs[reqs.size() - 2].body, img.config);
}

TEST_F(PullTest, CompleteDownloadLeftByADeadPullIsUsedWithoutARequest) {
  // A pull killed after a blob's last byte but before its commit leaves the whole blob in
  // partial/: the next pull verifies it from disk and asks nothing (a Range from its end
  // would only get 416).
  auto img = testing::MakeImage(2);
  testing::AddImage(*t_, img, "1");
  std::string layer = img.Digest(img.layers[1]);
  ASSERT_TRUE(WriteFileAtomic(dir_.path() / "root" / "partial" / layer.substr(7), img.layers[1]));
  auto r = Pull(*store_, Options("reg.test/app:1"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(t_->Count("GET", BlobUrl(layer)), 0);
  EXPECT_EQ(t_->Count("GET", BlobUrl(img.Digest(img.layers[0]))), 1);
  EXPECT_TRUE(store_->blobs().Has(*store::Digest::Parse(layer)));
  EXPECT_FALSE(fs::exists(dir_.path() / "root" / "partial" / layer.substr(7)));
}

TEST_F(PullTest, CorruptPartialFromAnEarlierPullIsDroppedAndFetchedAgain) {
  auto img = testing::MakeImage(1);
  std::string layer = img.Digest(img.layers[0]);
  std::string half = img.layers[0].substr(0, img.layers[0].size() / 2);
  // The registry honours the Range request first (206 with the tail), then serves it all.
  t_->On("GET", BlobUrl(layer), FakeResponse{206, {}, img.layers[0].substr(half.size()), -1});
  testing::AddImage(*t_, img, "1");
  half[0] ^= 1;  // the kept prefix is wrong: the resumed blob fails verification once
  ASSERT_TRUE(WriteFileAtomic(dir_.path() / "root" / "partial" / layer.substr(7), half));
  auto r = Pull(*store_, Options("reg.test/app:1"));
  ASSERT_TRUE(r) << r.error().message;
  auto gets = t_->requests();
  std::vector<std::string> ranges;
  for (const auto& q : gets) {
    if (q.url != BlobUrl(layer)) continue;
    std::string range;
    for (const auto& [k, v] : q.headers) {
      if (k == "Range") range = v;
    }
    ranges.push_back(range);
  }
  EXPECT_EQ(ranges, (std::vector<std::string>{"bytes=" + std::to_string(half.size()) + "-", ""}));
  EXPECT_TRUE(store_->blobs().Has(*store::Digest::Parse(layer)));
}

// Passes requests on, slowly, counting how many are in flight at once.
class InFlightCounter : public HttpTransport {
 public:
  explicit InFlightCounter(std::shared_ptr<HttpTransport> inner) : inner_(std::move(inner)) {}
  Result<HttpResponse> Send(const HttpRequest& req, Writer* sink) override {
    int now = ++in_flight_;
    int seen = max_.load();
    while (now > seen && !max_.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    auto r = inner_->Send(req, sink);
    --in_flight_;
    return r;
  }
  int max() const { return max_; }

 private:
  std::shared_ptr<HttpTransport> inner_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_{0};
};

TEST_F(PullTest, MaxParallelBoundsConcurrentDownloads) {
  auto img = testing::MakeImage(4);
  testing::AddImage(*t_, img, "1");
  for (int limit : {1, 3}) {
    auto counter = std::make_shared<InFlightCounter>(t_);
    auto o = Options("reg.test/app:1");
    o.access.transport = counter;
    o.max_parallel = limit;
    auto s = store::Store::Open(dir_.path() / ("root-" + std::to_string(limit)));
    ASSERT_TRUE(s);
    auto r = Pull(*s, o);
    ASSERT_TRUE(r) << r.error().message;
    if (limit == 1) EXPECT_EQ(counter->max(), 1);
    if (limit == 3) {
      EXPECT_GE(counter->max(), 2) << "layers download side by side";
      EXPECT_LE(counter->max(), 3);
    }
  }
}

}  // namespace
}  // namespace berth::puller
