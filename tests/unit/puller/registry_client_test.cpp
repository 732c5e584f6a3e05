#include "berth/puller/registry_client.hpp"

#include <gtest/gtest.h>

#include "registry_fixture.hpp"

namespace berth::puller {
namespace {

using testing::FakeResponse;
using testing::FakeTransport;
using testing::kReg;
using testing::kTokenUrl;

struct Harness {
  std::shared_ptr<FakeTransport> t = std::make_shared<FakeTransport>();
  int64_t now = 1000;
  std::vector<int64_t> sleeps;
  std::unique_ptr<RegistryClient> Client(std::optional<Credentials> creds = {}) {
    RegistryClientOptions o;
    o.transport = t;
    o.endpoint = {"reg.test", "reg.test", false, {}};
    o.creds = std::move(creds);
    o.retry.sleep = [this](int64_t ms) { sleeps.push_back(ms); };
    o.clock = [this] { return now; };
    return std::make_unique<RegistryClient>(std::move(o));
  }
  // An insecure registry: HTTPS without verification, plain HTTP if that fails.
  std::unique_ptr<RegistryClient> InsecureClient() {
    RegistryClientOptions o;
    o.transport = t;
    o.endpoint.registry = o.endpoint.host = "reg.test";
    o.endpoint.http_fallback = true;
    o.endpoint.tls.verify = false;
    o.retry.sleep = [this](int64_t ms) { sleeps.push_back(ms); };
    return std::make_unique<RegistryClient>(std::move(o));
  }
  std::string ManifestUrl(const std::string& ref) {
    return std::string(kReg) + "/v2/app/manifests/" + ref;
  }
};

const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";

TEST(RegistryClient, AnonymousTokenFlowAndAcceptSet) {
  Harness h;
  auto img = testing::MakeImage(1);
  testing::AddAuth(*h.t);
  testing::AddImage(*h.t, img, "1");
  auto m = h.Client()->GetManifest("app", "1");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->bytes, img.manifest);
  EXPECT_EQ(m->media_type, kOciManifest);
  auto reqs = h.t->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].url, kTokenUrl);
  EXPECT_EQ(reqs[1].Header("Authorization"), "");
  EXPECT_EQ(reqs[2].Header("Authorization"), "Bearer tok");
  std::string accept = reqs[2].Header("Accept");
  for (const char* t : {"application/vnd.oci.image.index.v1+json",
                        "application/vnd.docker.distribution.manifest.list.v2+json",
                        "application/vnd.oci.image.manifest.v1+json",
                        "application/vnd.docker.distribution.manifest.v2+json"}) {
    EXPECT_NE(accept.find(t), std::string::npos) << t;
  }
}

TEST(RegistryClient, BasicCredentialsGoToTokenServer) {
  Harness h;
  testing::AddAuth(*h.t);
  h.t->On("GET", h.ManifestUrl("1"), testing::Json("{}", kOciManifest));
  (void)h.Client(Credentials{"u", "p"})->GetManifest("app", "1");
  EXPECT_EQ(h.t->requests()[1].Header("Authorization"), "Basic dTpw");
}

TEST(RegistryClient, AccessTokenOnlyAndExpiryRefetch) {
  Harness h;
  h.t->On("GET", std::string(kReg) + "/v2/",
          FakeResponse{401,
                       {{"www-authenticate",
                         R"(Bearer realm="https://auth.test/token",service="reg.test")"}},
                       "",
                       -1});
  h.t->On("GET", kTokenUrl, FakeResponse{200, {}, R"({"access_token":"acc"})", -1});
  auto img = testing::MakeImage(1);
  testing::AddImage(*h.t, img, "1");
  auto c = h.Client();
  ASSERT_TRUE(c->GetManifest("app", "1"));
  EXPECT_EQ(h.t->requests().back().Header("Authorization"), "Bearer acc");
  ASSERT_TRUE(c->GetManifest("app", "1"));
  EXPECT_EQ(h.t->Count("GET", kTokenUrl), 1);
  h.now += 61;  // default expires_in is 60 s
  ASSERT_TRUE(c->GetManifest("app", "1"));
  EXPECT_EQ(h.t->Count("GET", kTokenUrl), 2);
}

TEST(RegistryClient, Unauthorized401RefetchesOnceThenFails) {
  Harness h;
  testing::AddAuth(*h.t);
  h.t->On("GET", h.ManifestUrl("1"), FakeResponse{401, {}, "", -1});
  auto m = h.Client()->GetManifest("app", "1");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kUnauthorized);
  EXPECT_NE(m.error().message.find("reg.test"), std::string::npos) << m.error().message;
  EXPECT_EQ(h.t->Count("GET", kTokenUrl), 2);
  EXPECT_EQ(h.t->Count("GET", h.ManifestUrl("1")), 2);
}

TEST(RegistryClient, InsufficientScopeAsksForTheScopeTheChallengeNames) {
  Harness h;
  testing::AddAuth(*h.t);
  auto img = testing::MakeImage(1);
  const std::string wider =
      "https://auth.test/token?service=reg.test&scope=repository%3Aapp%3Apull%2Cpush";
  h.t->On("GET", wider, FakeResponse{200, {}, R"({"token":"wide","expires_in":300})", -1});
  h.t->On("GET", h.ManifestUrl("1"),
          FakeResponse{401,
                       {{"www-authenticate",
                         R"(Bearer realm="https://auth.test/token",service="reg.test",)"
                         R"(scope="repository:app:pull,push",error="insufficient_scope")"}},
                       "",
                       -1});
  h.t->On("GET", h.ManifestUrl("1"), testing::Json(img.manifest, kOciManifest));
  auto m = h.Client()->GetManifest("app", "1");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(h.t->Count("GET", wider), 1);
  auto sent = h.t->requests();
  ASSERT_FALSE(sent.empty());
  bool wide_sent = false;
  for (const auto& [k, v] : sent.back().headers)
    wide_sent |= (k == "Authorization" && v == "Bearer wide");
  EXPECT_TRUE(wide_sent) << "the retry carries the token for the scope the registry named";
}

TEST(RegistryClient, RedirectDropsAuthorizationOnHostChangeOnly) {
  Harness h;
  testing::AddAuth(*h.t);
  auto img = testing::MakeImage(1);
  std::string blob = img.layers[0];
  std::string d = img.Digest(blob);
  std::string url = std::string(kReg) + "/v2/app/blobs/" + d;
  h.t->On("GET", url, FakeResponse{307, {{"location", "/v2/app/same/" + d}}, "", -1});
  h.t->On("GET", std::string(kReg) + "/v2/app/same/" + d,
          FakeResponse{307, {{"location", "https://cdn.test/b?sig=1"}}, "", -1});
  h.t->On("GET", "https://cdn.test/b?sig=1", FakeResponse{200, {}, blob, -1});
  struct Sink : ResumableSink {
    std::string got;
    Result<void> Write(std::span<const std::byte> b) override {
      got.append(reinterpret_cast<const char*>(b.data()), b.size());
      return Ok();
    }
    Result<void> Restart() override {
      got.clear();
      return Ok();
    }
  } sink;
  ASSERT_TRUE(h.Client()->GetBlob("app", *store::Digest::Parse(d), sink));
  EXPECT_EQ(sink.got, blob);
  auto reqs = h.t->requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[3].Header("Authorization"), "Bearer tok");  // same host keeps it
  EXPECT_EQ(reqs[4].url, "https://cdn.test/b?sig=1");
  EXPECT_EQ(reqs[4].Header("Authorization"), "");  // CDN never sees it
}

TEST(RegistryClient, RetriesTooManyRequestsHonouringRetryAfter) {
  Harness h;
  testing::AddAuth(*h.t);
  h.t->On("GET", h.ManifestUrl("1"), FakeResponse{429, {{"retry-after", "2"}}, "", -1});
  h.t->On("GET", h.ManifestUrl("1"), testing::Json(testing::MakeImage(1).manifest, kOciManifest));
  ASSERT_TRUE(h.Client()->GetManifest("app", "1"));
  EXPECT_EQ(h.sleeps, std::vector<int64_t>{2000});
}

TEST(RegistryClient, ServerErrorsExhaustedNameLastStatus) {
  Harness h;
  testing::AddAuth(*h.t);
  h.t->On("GET", h.ManifestUrl("1"), FakeResponse{503, {}, "", -1});
  auto m = h.Client()->GetManifest("app", "1");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kNetwork);
  EXPECT_NE(m.error().message.find("HTTP 503"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("5 attempts"), std::string::npos) << m.error().message;
  EXPECT_EQ(h.sleeps.size(), 4u);
}

TEST(RegistryClient, ManifestDigestMismatch) {
  Harness h;
  testing::AddAuth(*h.t);
  std::string want = store::Digest::Of("other").String();
  h.t->On("GET", h.ManifestUrl(want), testing::Json(testing::MakeImage(1).manifest, kOciManifest));
  auto m = h.Client()->GetManifest("app", want);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kDigestMismatch);
  EXPECT_NE(m.error().message.find(want), std::string::npos);
}

TEST(RegistryClient, Schema1Refused) {
  Harness h;
  testing::AddAuth(*h.t);
  h.t->On("GET", h.ManifestUrl("old"),
          testing::Json(R"({"schemaVersion":1,"name":"app"})",
                        "application/vnd.docker.distribution.manifest.v1+prettyjws"));
  auto m = h.Client()->GetManifest("app", "old");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(m.error().message.find("schema1"), std::string::npos);
}

TEST(RegistryClient, ManifestOverFourMebibytesIsRefused) {
  Harness h;
  testing::AddAuth(*h.t);
  std::string huge =
      R"({"schemaVersion":2,"layers":[],"pad":")" + std::string(4 << 20, 'x') + "\"}";
  h.t->On("GET", h.ManifestUrl("huge"), testing::Json(huge, kOciManifest));
  auto m = h.Client()->GetManifest("app", "huge");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(kMaxManifestBytes, 4u << 20) << "the limit Docker Hub and containers/image use";
}

TEST(RegistryClient, UnknownTagIsNotFound) {
  Harness h;
  testing::AddAuth(*h.t);
  h.t->On(
      "GET", h.ManifestUrl("nope"),
      FakeResponse{
          404, {}, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})", -1});
  auto m = h.Client()->GetManifest("app", "nope");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kNotFound);
  EXPECT_NE(m.error().message.find("manifest unknown"), std::string::npos) << m.error().message;
}

TEST(RegistryClient, BasicAuthRegistry) {
  Harness h;
  h.t->On("GET", std::string(kReg) + "/v2/",
          FakeResponse{401, {{"www-authenticate", R"(Basic realm="r")"}}, "", -1});
  h.t->On("GET", h.ManifestUrl("1"), testing::Json(testing::MakeImage(1).manifest, kOciManifest));
  ASSERT_TRUE(h.Client(Credentials{"u", "p"})->GetManifest("app", "1"));
  EXPECT_EQ(h.t->requests().back().Header("Authorization"), "Basic dTpw");
}

TEST(RegistryClient, InsecureRegistryFallsBackToPlainHttpWhenHttpsFails) {
  Harness h;
  auto img = testing::MakeImage(1);
  FakeResponse broken;
  broken.cut_after = 0;  // a plain-HTTP server fails the TLS handshake
  h.t->On("GET", "https://reg.test/v2/", broken);
  h.t->On("GET", "http://reg.test/v2/", FakeResponse{200, {}, "{}"});
  h.t->On("GET", "http://reg.test/v2/app/manifests/1",
          FakeResponse{200, {{"content-type", kOciManifest}}, img.manifest});
  auto m = h.InsecureClient()->GetManifest("app", "1");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(h.t->Log(),
            (std::vector<std::string>{"GET https://reg.test/v2/", "GET http://reg.test/v2/",
                                      "GET http://reg.test/v2/app/manifests/1"}));
}

TEST(RegistryClient, InsecureRegistryStaysOnHttpsWhenItAnswers) {
  Harness h;
  auto img = testing::MakeImage(1);
  h.t->On("GET", "https://reg.test/v2/", FakeResponse{200, {}, "{}"});
  h.t->On("GET", "https://reg.test/v2/app/manifests/1",
          FakeResponse{200, {{"content-type", kOciManifest}}, img.manifest});
  auto m = h.InsecureClient()->GetManifest("app", "1");
  ASSERT_TRUE(m) << m.error().message;
  for (const auto& r : h.t->requests()) {
    EXPECT_EQ(r.url.rfind("https://", 0), 0u) << r.url;
  }
}

}  // namespace
}  // namespace berth::puller
