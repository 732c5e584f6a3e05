// Push on the fake registry: a blob above PushOptions::chunk_size goes in PATCH chunks read
// from the stored blob at the right offsets, the progress says what happened to each blob,
// and the manifest goes last with its exact stored bytes.
#include <gtest/gtest.h>

#include "berth/base/temp_dir.hpp"
#include "berth/puller/pull.hpp"
#include "registry_fixture.hpp"

namespace berth::puller {
namespace {

using testing::FakeResponse;
using testing::kReg;

struct Recorder : PullProgress {
  std::vector<std::string> events;
  void BlobStarted(const store::Digest& d, int64_t) override {
    events.push_back("start " + d.String());
  }
  void BlobDone(const store::Digest& d) override { events.push_back("done " + d.String()); }
  void BlobExists(const store::Digest& d) override { events.push_back("exists " + d.String()); }
  void ConfigDone(const store::Digest& d) override { events.push_back("config " + d.String()); }
  void WritingManifest() override { events.push_back("manifest"); }
};

TEST(Push, BigBlobGoesInChunksFromTheStoredBytes) {
  auto dir = TempDir::Create("/tmp", "berth-push-test-");
  ASSERT_TRUE(dir);
  auto st = store::Store::Open(dir->path() / "root");
  ASSERT_TRUE(st) << st.error().message;
  auto t = std::make_shared<testing::FakeTransport>();
  testing::AddAuth(*t);
  auto img = testing::MakeImage(2);
  testing::AddImage(*t, img, "1");
  PullOptions po;
  po.reference = "reg.test/app:1";
  po.access.transport = t;
  po.access.use_environment = false;
  po.access.certs_roots = {(dir->path() / "no-certs").string()};
  po.access.retry.sleep = [](int64_t) {};
  ASSERT_TRUE(Pull(*st, po));

  // Pushed to the same repository: no mount source. Layer 0 is there, layer 1 is not.
  t->On("GET", "https://auth.test/token?service=reg.test&scope=repository%3Aapp%3Apull%2Cpush",
        FakeResponse{200, {}, R"({"token":"push"})", -1});
  const std::string base = std::string(kReg) + "/v2/app/";
  std::string l0 = img.Digest(img.layers[0]), l1 = img.Digest(img.layers[1]);
  std::string config = img.Digest(img.config);
  t->On("HEAD", base + "blobs/" + l0, FakeResponse{200, {}, "", -1});
  t->On("HEAD", base + "blobs/" + l1, FakeResponse{404, {}, "", -1});
  t->On("HEAD", base + "blobs/" + config, FakeResponse{200, {}, "", -1});
  const std::string& blob = img.layers[1];
  const int64_t chunk = static_cast<int64_t>(blob.size() / 3 + 1);  // three chunks
  t->On("POST", base + "blobs/uploads/",
        FakeResponse{202, {{"location", "/v2/app/blobs/uploads/s"}}, "", -1});
  for (int64_t start = 0; start < static_cast<int64_t>(blob.size()); start += chunk) {
    t->On("PATCH", base + "blobs/uploads/s",
          FakeResponse{202, {{"location", "/v2/app/blobs/uploads/s"}}, "", -1});
  }
  t->On("PUT", base + "blobs/uploads/s?digest=" + l1, FakeResponse{201, {}, "", -1});
  t->On("PUT", base + "manifests/2", FakeResponse{201, {}, "", -1});

  Recorder progress;
  PushOptions o;
  o.source = "reg.test/app:1";
  o.destination = "reg.test/app:2";
  o.access = po.access;
  o.chunk_size = chunk;
  o.progress = &progress;
  auto d = Push(*st, o);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->String(), img.Digest(img.manifest));

  std::string joined;
  std::vector<std::string> ranges;
  for (const auto& r : t->requests()) {
    if (r.method != "PATCH") continue;
    joined += r.body;
    ranges.push_back(r.Header("Content-Range"));
  }
  EXPECT_EQ(joined, blob) << "the chunks are the stored blob, in order";
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0], "0-" + std::to_string(chunk - 1));
  EXPECT_EQ(ranges[1], std::to_string(chunk) + "-" + std::to_string(2 * chunk - 1));
  EXPECT_EQ(ranges.back(),
            std::to_string((ranges.size() - 1) * chunk) + "-" + std::to_string(blob.size() - 1));
  EXPECT_EQ(t->requests().back().body, img.manifest);
  EXPECT_EQ(progress.events, (std::vector<std::string>{"exists " + l0, "start " + l1, "done " + l1,
                                                       "config " + config, "manifest"}));
}

}  // namespace
}  // namespace berth::puller
