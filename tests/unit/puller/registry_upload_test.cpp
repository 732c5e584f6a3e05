// RegistryClient::UploadBlob against canned answers: the monolithic PUT, and the chunked
// sequence (POST, PATCH with Content-Range following each Location, PUT ?digest= empty).
#include <gtest/gtest.h>

#include "berth/puller/registry_client.hpp"
#include "registry_fixture.hpp"

namespace berth::puller {
namespace {

using testing::FakeResponse;
using testing::FakeTransport;
using testing::kReg;

const std::string kBlob = "0123456789";
const std::string kUploads = std::string(kReg) + "/v2/app/blobs/uploads/";

struct UploadHarness {
  std::shared_ptr<FakeTransport> t = std::make_shared<FakeTransport>();
  std::vector<uint64_t> opened_at;  // the offset of every reader the upload asked for

  UploadHarness() { testing::AddAuth(*t); }

  std::unique_ptr<RegistryClient> Client() {
    RegistryClientOptions o;
    o.transport = t;
    o.endpoint = {"reg.test", "reg.test", false, {}};
    o.retry.sleep = [](int64_t) {};
    return std::make_unique<RegistryClient>(std::move(o));
  }

  Result<void> Upload(int64_t chunk_size) {
    return Client()->UploadBlob(
        "app", store::Digest::Of(kBlob), static_cast<int64_t>(kBlob.size()),
        [this](uint64_t offset) -> Result<std::unique_ptr<Reader>> {
          opened_at.push_back(offset);
          return std::unique_ptr<Reader>(
              std::make_unique<MemoryReader>(std::string_view(kBlob).substr(offset)));
        },
        chunk_size);
  }

  // The upload's requests (no ping, no token), as "METHOD URL" without the registry prefix.
  std::vector<testing::RecordedRequest> UploadRequests() const {
    std::vector<testing::RecordedRequest> out;
    for (const auto& r : t->requests()) {
      if (r.url.rfind(kUploads, 0) == 0) out.push_back(r);
    }
    return out;
  }
};

FakeResponse Accepted(const std::string& location, const std::string& range = "") {
  FakeResponse r{202, {{"location", location}}, "", -1};
  if (!range.empty()) r.headers["range"] = range;
  return r;
}

TEST(RegistryUpload, SmallBlobIsOneMonolithicPut) {
  UploadHarness h;
  std::string digest = store::Digest::Of(kBlob).String();
  h.t->On("POST", kUploads, Accepted("/v2/app/blobs/uploads/u1?_state=a"));
  h.t->On("PUT", kUploads + "u1?_state=a&digest=" + digest, FakeResponse{201, {}, "", -1});
  auto r = h.Upload(/*chunk_size=*/10);  // not larger than the chunk size: one PUT
  ASSERT_TRUE(r) << r.error().message;
  auto reqs = h.UploadRequests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].method, "PUT");
  EXPECT_EQ(reqs[1].body, kBlob);
  EXPECT_EQ(reqs[1].Header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(h.opened_at, std::vector<uint64_t>{0});
}

TEST(RegistryUpload, ChunksArePatchedInOrderFollowingEachLocationThenAnEmptyPut) {
  UploadHarness h;
  std::string digest = store::Digest::Of(kBlob).String();
  h.t->On("POST", kUploads, Accepted("/v2/app/blobs/uploads/u1?_state=a"));
  h.t->On("PATCH", kUploads + "u1?_state=a", Accepted("/v2/app/blobs/uploads/u1?_state=b", "0-3"));
  h.t->On("PATCH", kUploads + "u1?_state=b", Accepted("/v2/app/blobs/uploads/u1?_state=c", "0-7"));
  // An absolute Location is used as it is.
  h.t->On("PATCH", kUploads + "u1?_state=c", Accepted(kUploads + "u1?_state=d", "0-9"));
  h.t->On("PUT", kUploads + "u1?_state=d&digest=" + digest, FakeResponse{201, {}, "", -1});
  auto r = h.Upload(/*chunk_size=*/4);
  ASSERT_TRUE(r) << r.error().message;

  auto reqs = h.UploadRequests();
  std::vector<std::string> log;
  for (const auto& q : reqs) log.push_back(q.method + " " + q.url.substr(kUploads.size()));
  EXPECT_EQ(log,
            (std::vector<std::string>{"POST ", "PATCH u1?_state=a", "PATCH u1?_state=b",
                                      "PATCH u1?_state=c", "PUT u1?_state=d&digest=" + digest}));
  ASSERT_EQ(reqs.size(), 5u);
  const std::vector<std::pair<std::string, std::string>> chunks = {
      {"0-3", "0123"}, {"4-7", "4567"}, {"8-9", "89"}};
  for (size_t i = 0; i < chunks.size(); ++i) {
    const auto& q = reqs[i + 1];
    EXPECT_EQ(q.Header("Content-Range"), chunks[i].first) << i;
    EXPECT_EQ(q.Header("Content-Type"), "application/octet-stream") << i;
    EXPECT_EQ(q.body, chunks[i].second) << i;
    EXPECT_EQ(q.Header("Authorization"), "Bearer tok") << i;
  }
  EXPECT_EQ(reqs[4].body, "") << "every byte went in the PATCHes";
  EXPECT_EQ(h.opened_at, (std::vector<uint64_t>{0, 4, 8}));
}

TEST(RegistryUpload, RetriedPatchSendsTheSameChunkAgain) {
  UploadHarness h;
  std::string digest = store::Digest::Of(kBlob).String();
  h.t->On("POST", kUploads, Accepted("/v2/app/blobs/uploads/u1?_state=a"));
  h.t->On("PATCH", kUploads + "u1?_state=a", Accepted("/v2/app/blobs/uploads/u1?_state=b", "0-5"));
  h.t->On("PATCH", kUploads + "u1?_state=b", FakeResponse{503, {}, "", -1});
  h.t->On("PATCH", kUploads + "u1?_state=b", Accepted("/v2/app/blobs/uploads/u1?_state=c", "0-9"));
  h.t->On("PUT", kUploads + "u1?_state=c&digest=" + digest, FakeResponse{201, {}, "", -1});
  auto r = h.Upload(/*chunk_size=*/6);
  ASSERT_TRUE(r) << r.error().message;
  auto reqs = h.UploadRequests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[2].body, "6789");
  EXPECT_EQ(reqs[3].body, "6789");
  EXPECT_EQ(reqs[3].Header("Content-Range"), "6-9");
  EXPECT_EQ(h.opened_at, (std::vector<uint64_t>{0, 6, 6}));
}

TEST(RegistryUpload, ChunkTheRegistryDidNotKeepIsAnError) {
  UploadHarness h;
  h.t->On("POST", kUploads, Accepted("/v2/app/blobs/uploads/u1?_state=a"));
  h.t->On("PATCH", kUploads + "u1?_state=a", Accepted("/v2/app/blobs/uploads/u1?_state=b", "0-1"));
  auto r = h.Upload(/*chunk_size=*/4);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "upload blob " + store::Digest::Of(kBlob).String() +
                                   ": upload bytes 0-3: registry holds bytes 0-1");
  for (const auto& q : h.UploadRequests()) EXPECT_NE(q.method, "PUT") << "never closed";
}

TEST(RegistryUpload, OutOfOrderChunkNamesTheRegistrysAnswer) {
  UploadHarness h;
  h.t->On("POST", kUploads, Accepted("/v2/app/blobs/uploads/u1?_state=a"));
  h.t->On(
      "PATCH", kUploads + "u1?_state=a",
      FakeResponse{416,
                   {},
                   R"({"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"blob upload invalid"}]})",
                   -1});
  auto r = h.Upload(/*chunk_size=*/4);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("upload bytes 0-3: blob upload invalid (HTTP 416)"),
            std::string::npos)
      << r.error().message;
}

TEST(RegistryUpload, AnonymousPushSaysWhichScopeIsMissing) {
  UploadHarness h;
  // Docker Hub's answer to a token without push: 401, insufficient_scope, the scope it wants.
  h.t->On(
      "POST", kUploads,
      FakeResponse{
          401,
          {{"www-authenticate", R"(Bearer realm="https://auth.test/token",service="reg.test",)"
                                R"(scope="repository:app:pull,push",error="insufficient_scope")"}},
          R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})",
          -1});
  // berth asks the token server for the scope the challenge names; anonymously, Docker
  // Hub's answer is a token that still cannot push, and the registry says so again.
  h.t->On("GET",
          "https://auth.test/token?service=reg.test&scope=repository%3Aapp%3Apull%2Cpush",
          FakeResponse{200, {}, R"({"token":"pull-only","expires_in":300})", -1});
  auto r = h.Upload(/*chunk_size=*/0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(r.error().message,
            "upload blob " + store::Digest::Of(kBlob).String() +
                ": authenticate to reg.test: authentication required (HTTP 401): insufficient "
                "scope, the registry wants repository:app:pull,push");
  EXPECT_NE(r.error().hint.find("push"), std::string::npos) << r.error().hint;
}

}  // namespace
}  // namespace berth::puller
