// The on-disk token cache through RegistryClient (each client stands for one berth process):
// a warm cache makes a re-resolve one request, and nothing in the cache can make a request
// fail: expired, corrupt, revoked or unwritable entries only cost the normal token flow.
#include "berth/puller/token_cache.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/puller/login.hpp"
#include "berth/puller/registry_client.hpp"
#include "registry_fixture.hpp"

namespace berth::puller {
namespace {

using testing::FakeResponse;
using testing::kReg;
using testing::kTokenUrl;

const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
const std::string kPing = std::string(kReg) + "/v2/";
const std::string kManifest = std::string(kReg) + "/v2/app/manifests/1";
const char* kChallenge = R"(Bearer realm="https://auth.test/token",service="reg.test")";

class TokenCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create("/tmp", "berth-token-cache-test-");
    ASSERT_TRUE(d);
    dir_ = std::move(*d);
    ASSERT_TRUE(MakeDirs(dir_.path() / "root"));  // the store's root; the cache is inside
    cache_ = TokenCacheDir(dir_.path() / "root");
    testing::AddAuth(*t_);
  }
  // A client as a fresh berth process sees it: nothing in memory, the cache on disk.
  std::unique_ptr<RegistryClient> Client(std::optional<Credentials> creds = {},
                                         bool insecure = false) {
    RegistryClientOptions o;
    o.transport = t_;
    o.endpoint.registry = o.endpoint.host = "reg.test";
    o.endpoint.http_fallback = insecure;
    o.endpoint.tls.verify = !insecure;
    o.creds = std::move(creds);
    o.retry.sleep = [](int64_t) {};
    o.clock = [this] { return now_; };
    o.token_cache_dir = cache_;
    return std::make_unique<RegistryClient>(std::move(o));
  }
  void ServeManifest() { t_->On("GET", kManifest, testing::Json(img_.manifest, kOciManifest)); }
  // The requests made since `from`, as "METHOD URL".
  std::vector<std::string> Since(size_t from) const {
    auto log = t_->Log();
    return {log.begin() + static_cast<std::ptrdiff_t>(from), log.end()};
  }
  std::vector<std::string> Entries() const {
    auto names = ListDir(cache_);
    return names ? *names : std::vector<std::string>{};
  }

  TempDir dir_;
  fs::path cache_;
  int64_t now_ = 1000;
  testing::FakeImage img_ = testing::MakeImage(1);
  std::shared_ptr<testing::FakeTransport> t_ = std::make_shared<testing::FakeTransport>();
};

TEST_F(TokenCacheTest, SecondClientSendsTheManifestRequestAloneWithTheCachedToken) {
  ServeManifest();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  EXPECT_EQ(t_->Log(), (std::vector<std::string>{"GET " + kPing, "GET " + std::string(kTokenUrl),
                                                 "GET " + kManifest}));
  size_t before = t_->Log().size();
  auto m = Client()->GetManifest("app", "1");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->bytes, img_.manifest);
  EXPECT_EQ(Since(before), std::vector<std::string>{"GET " + kManifest});
  EXPECT_EQ(t_->requests().back().Header("Authorization"), "Bearer tok");
}

TEST_F(TokenCacheTest, ExpiredEntryIsNotUsed) {
  ServeManifest();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  now_ += 300 - 10;  // expires_in 300, minus the margin TokenAuth keeps
  size_t before = t_->Log().size();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  EXPECT_EQ(Since(before),
            (std::vector<std::string>{"GET " + kPing, "GET " + std::string(kTokenUrl),
                                      "GET " + kManifest}));
  EXPECT_EQ(Entries().size(), 1u) << "the fresh token replaced the expired one";
}

TEST_F(TokenCacheTest, RevokedCachedTokenIsReplacedByOneFreshFetch) {
  t_->On("GET", kTokenUrl, FakeResponse{200, {}, R"({"token":"tok2","expires_in":300})", -1});
  ServeManifest();  // first client
  t_->On("GET", kManifest, FakeResponse{401, {{"www-authenticate", kChallenge}}, "", -1});
  ServeManifest();  // the retry, and any request after it
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  size_t before = t_->Log().size();
  auto m = Client()->GetManifest("app", "1");
  ASSERT_TRUE(m) << m.error().message;
  // The 401 carried the challenge: no ping, one token, one retry.
  EXPECT_EQ(Since(before),
            (std::vector<std::string>{"GET " + kManifest, "GET " + std::string(kTokenUrl),
                                      "GET " + kManifest}));
  auto reqs = t_->requests();
  EXPECT_EQ(reqs[before].Header("Authorization"), "Bearer tok");
  EXPECT_EQ(reqs.back().Header("Authorization"), "Bearer tok2");

  before = t_->Log().size();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  EXPECT_EQ(Since(before), std::vector<std::string>{"GET " + kManifest});
  EXPECT_EQ(t_->requests().back().Header("Authorization"), "Bearer tok2") << "the cache holds it";
}

TEST_F(TokenCacheTest, A401WithoutChallengeOnACachedTokenPingsForIt) {
  t_->On("GET", kTokenUrl, FakeResponse{200, {}, R"({"token":"tok2","expires_in":300})", -1});
  ServeManifest();
  t_->On("GET", kManifest, FakeResponse{401, {}, "", -1});
  ServeManifest();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  size_t before = t_->Log().size();
  auto m = Client()->GetManifest("app", "1");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(Since(before),
            (std::vector<std::string>{"GET " + kManifest, "GET " + kPing,
                                      "GET " + std::string(kTokenUrl), "GET " + kManifest}));
  EXPECT_EQ(t_->requests().back().Header("Authorization"), "Bearer tok2");
}

TEST_F(TokenCacheTest, OtherCredentialsNeverGetTheToken) {
  ServeManifest();
  ASSERT_TRUE(Client(Credentials{"u", "p"})->GetManifest("app", "1"));
  for (auto creds :
       {std::optional<Credentials>(Credentials{"u", "other"}),
        std::optional<Credentials>(Credentials{"v", "p"}), std::optional<Credentials>()}) {
    size_t before = t_->Log().size();
    ASSERT_TRUE(Client(creds)->GetManifest("app", "1"));
    auto since = Since(before);
    ASSERT_EQ(since.size(), 3u);
    EXPECT_EQ(since[1], "GET " + std::string(kTokenUrl)) << "a token of its own";
  }
  EXPECT_EQ(Entries().size(), 4u);
  size_t before = t_->Log().size();
  ASSERT_TRUE(Client(Credentials{"u", "p"})->GetManifest("app", "1"));
  EXPECT_EQ(Since(before), std::vector<std::string>{"GET " + kManifest}) << "its own is kept";
}

TEST_F(TokenCacheTest, CorruptEntriesAreIgnoredAndReplaced) {
  ServeManifest();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  auto names = Entries();
  ASSERT_EQ(names.size(), 1u);
  for (std::string junk : {"{\"token\": tru", "", "[]", R"({"token":"x","expiry":"soon"})"}) {
    std::ofstream(cache_ / names[0], std::ios::trunc) << junk;
    size_t before = t_->Log().size();
    auto m = Client()->GetManifest("app", "1");
    ASSERT_TRUE(m) << junk << ": " << m.error().message;
    EXPECT_EQ(Since(before).size(), 3u) << junk << ": ping, token, manifest";
  }
  size_t before = t_->Log().size();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  EXPECT_EQ(Since(before).size(), 1u) << "a good entry again";
}

TEST_F(TokenCacheTest, UnwritableCacheIsOnlyAMiss) {
  ServeManifest();
  ASSERT_TRUE(WriteFileAtomic(cache_.parent_path(), "a file, not a directory"));
  for (int i = 0; i < 2; ++i) {
    size_t before = t_->Log().size();
    auto m = Client()->GetManifest("app", "1");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(Since(before).size(), 3u);
  }
}

TEST_F(TokenCacheTest, DirectoryIsPrivateAndEntriesAreReadableOnlyByTheOwner) {
  ServeManifest();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  struct stat st;
  for (const fs::path& d : {cache_.parent_path(), cache_}) {
    ASSERT_EQ(::stat(d.c_str(), &st), 0) << d;
    EXPECT_EQ(st.st_mode & 07777, 0700u) << d;
  }
  auto names = Entries();
  ASSERT_EQ(names.size(), 1u) << "no temp file left";
  EXPECT_TRUE(names[0].ends_with(".json")) << names[0];
  ASSERT_EQ(::stat((cache_ / names[0]).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(TokenCacheTest, InsecureRegistryStillPingsButUsesTheCachedTokenOfTheSameRealm) {
  // The third ping names another token server (the queue's last answer).
  const std::string other =
      "https://auth2.test/token?service=reg.test&scope=repository%3Aapp%3Apull";
  t_->On("GET", kPing, FakeResponse{401, {{"www-authenticate", kChallenge}}, "", -1});
  t_->On("GET", kPing,
         FakeResponse{401,
                      {{"www-authenticate",
                        R"(Bearer realm="https://auth2.test/token",service="reg.test")"}},
                      "",
                      -1});
  t_->On("GET", other, FakeResponse{200, {}, R"({"token":"tok3","expires_in":300})", -1});
  ServeManifest();
  ASSERT_TRUE(Client({}, true)->GetManifest("app", "1"));
  size_t before = t_->Log().size();
  ASSERT_TRUE(Client({}, true)->GetManifest("app", "1"));
  // Its first ping decides HTTPS or HTTP, so it stays; the token comes from the cache.
  EXPECT_EQ(Since(before), (std::vector<std::string>{"GET " + kPing, "GET " + kManifest}));

  before = t_->Log().size();
  ASSERT_TRUE(Client({}, true)->GetManifest("app", "1"));
  EXPECT_EQ(Since(before),
            (std::vector<std::string>{"GET " + kPing, "GET " + other, "GET " + kManifest}))
      << "a token of another realm is not offered";
  EXPECT_EQ(t_->requests().back().Header("Authorization"), "Bearer tok3");
}

TEST_F(TokenCacheTest, LogoutRemovesTheRegistrysTokensOnly) {
  ServeManifest();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  TokenCache cache(cache_);
  TokenKey other{"other.test", "other.test", "repository:x:pull", ""};
  cache.Store(other, CachedToken{"o", now_ + 100, "https://auth.test/token", "other.test"});
  ASSERT_EQ(Entries().size(), 2u);

  RegistryAccess access;
  access.use_environment = false;
  access.authfile = (dir_.path() / "auth.json").string();
  access.token_cache_dir = cache_.string();
  auto out = Logout("reg.test", access);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kNotFound) << "never logged in; tokens go anyway";
  EXPECT_EQ(Entries().size(), 1u);
  EXPECT_TRUE(cache.Load(other, now_)) << "other.test keeps its token";
  size_t before = t_->Log().size();
  ASSERT_TRUE(Client()->GetManifest("app", "1"));
  EXPECT_EQ(Since(before).size(), 3u) << "reg.test fetches a token again";

  ASSERT_TRUE(LogoutAll(access));
  EXPECT_TRUE(Entries().empty());
  EXPECT_FALSE(cache.Load(other, now_));
}

TEST(TokenCache, EntryIsForItsKeyOnlyAndDisabledCacheHoldsNothing) {
  auto d = TempDir::Create("/tmp", "berth-token-cache-test-");
  ASSERT_TRUE(d);
  TokenCache cache(d->path() / "tokens");
  TokenKey key{"reg.test", "reg.test", "repository:app:pull", ""};
  cache.Store(key, CachedToken{"t", 2000, "https://auth.test/token", "reg.test"});
  auto got = cache.Load(key, 1999);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->token, "t");
  EXPECT_EQ(got->expiry, 2000);
  EXPECT_EQ(got->realm, "https://auth.test/token");
  EXPECT_EQ(got->service, "reg.test");
  for (TokenKey k : {TokenKey{"reg.test", "reg.test", "repository:app:push", ""},
                     TokenKey{"reg.test", "mirror.test", "repository:app:pull", ""},
                     TokenKey{"reg.test", "reg.test", "repository:app:pull", "abc"}}) {
    EXPECT_FALSE(cache.Load(k, 1999)) << k.host << " " << k.scope << " " << k.creds_id;
  }
  EXPECT_FALSE(cache.Load(key, 2000)) << "expired at its expiry";
  EXPECT_FALSE(cache.Load(key, 1999)) << "and removed";

  TokenCache none;
  EXPECT_FALSE(none.enabled());
  none.Store(key, CachedToken{"t", 2000, "https://auth.test/token", "reg.test"});
  EXPECT_FALSE(none.Load(key, 1999));
}

}  // namespace
}  // namespace berth::puller
