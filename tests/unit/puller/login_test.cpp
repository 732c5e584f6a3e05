// Login and logout against canned answers: the credential check (Bearer and Basic), what is
// saved and when nothing is, registry-name normalisation, logout.
#include "berth/puller/login.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "registry_fixture.hpp"

namespace berth::puller {
namespace {

using testing::FakeResponse;
using testing::kReg;

const std::string kPing = std::string(kReg) + "/v2/";
// The login token: for the credentials, no scope.
const std::string kLoginToken = "https://auth.test/token?service=reg.test";

class LoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create("/tmp", "berth-login-test-");
    ASSERT_TRUE(d);
    dir_ = std::move(*d);
  }
  RegistryAccess Access() {
    RegistryAccess a;
    a.transport = t_;
    a.use_environment = false;
    a.authfile = (dir_.path() / "auth.json").string();
    a.certs_roots = {(dir_.path() / "no-certs").string()};
    a.retry.sleep = [](int64_t) {};
    return a;
  }
  void BearerRegistry() {
    t_->On("GET", kPing,
           FakeResponse{401,
                        {{"www-authenticate",
                          R"(Bearer realm="https://auth.test/token",service="reg.test")"}},
                        "",
                        -1});
    t_->On("GET", kPing, FakeResponse{200, {}, "{}", -1});
  }
  fs::path AuthFile() const { return dir_.path() / "auth.json"; }

  TempDir dir_;
  std::shared_ptr<testing::FakeTransport> t_ = std::make_shared<testing::FakeTransport>();
};

TEST_F(LoginTest, BearerGoodCredentialsAreCheckedWithATokenThenSaved) {
  BearerRegistry();
  t_->On("GET", kLoginToken, FakeResponse{200, {}, R"({"token":"login-tok"})", -1});
  auto path = Login({"reg.test", {"user", "secret"}, Access()});
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(*path, AuthFile());
  auto reqs = t_->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].url, kLoginToken);
  EXPECT_EQ(reqs[1].Header("Authorization"), "Basic dXNlcjpzZWNyZXQ=");
  EXPECT_EQ(reqs[2].url, kPing);
  EXPECT_EQ(reqs[2].Header("Authorization"), "Bearer login-tok");

  struct stat st {};
  ASSERT_EQ(::stat(AuthFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  AuthFiles files;
  files.authfile = AuthFile();
  auto saved = LookupCredentials("reg.test", files);
  ASSERT_TRUE(saved && *saved);
  EXPECT_EQ(**saved, (Credentials{"user", "secret"}));
}

TEST_F(LoginTest, RefusedCredentialsSayWhyAndSaveNothing) {
  BearerRegistry();
  t_->On("GET", kLoginToken,
         FakeResponse{401, {}, R"({"details":"incorrect username or password"})", -1});
  auto path = Login({"reg.test", {"user", "wrong"}, Access()});
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(path.error().message,
            "authenticate to reg.test: incorrect username or password (HTTP 401)");
  EXPECT_FALSE(fs::exists(AuthFile()));
}

TEST_F(LoginTest, BasicRegistryGetsTheCredentialsOnV2) {
  t_->On("GET", kPing, FakeResponse{401, {{"www-authenticate", R"(Basic realm="r")"}}, "", -1});
  t_->On("GET", kPing,
         FakeResponse{401,
                      {{"www-authenticate", R"(Basic realm="r")"}},
                      R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})",
                      -1});
  auto bad = CheckLogin("reg.test", {"u", "p"}, Access());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(bad.error().message, "authenticate to reg.test: authentication required (HTTP 401)");
  EXPECT_EQ(t_->requests().back().Header("Authorization"), "Basic dTpw");
}

TEST_F(LoginTest, RegistryNamesAreNormalised) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"quay.io", "quay.io"},
      {"https://quay.io/", "quay.io"},
      {"127.0.0.1:5000", "127.0.0.1:5000"},
      {"http://127.0.0.1:5000", "127.0.0.1:5000"},
      {"https://index.docker.io/v1/", "docker.io"},
      {"index.docker.io", "docker.io"},
      {"registry-1.docker.io", "docker.io"},
  };
  for (const auto& [in, want] : cases) {
    auto got = NormalizeRegistryName(in);
    ASSERT_TRUE(got) << in << ": " << got.error().message;
    EXPECT_EQ(*got, want) << in;
  }
  EXPECT_FALSE(NormalizeRegistryName(""));
  auto repo = NormalizeRegistryName("quay.io/team");
  ASSERT_FALSE(repo);
  EXPECT_EQ(repo.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(LoginTest, LogoutRemovesOneOrAllAndSaysWhenNotLoggedIn) {
  ASSERT_TRUE(SaveCredentials(AuthFile(), "a.test", {"u", "p"}));
  ASSERT_TRUE(SaveCredentials(AuthFile(), "b.test", {"u", "p"}));
  ASSERT_TRUE(Logout("a.test", Access()));
  auto again = Logout("a.test", Access());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_NE(again.error().message.find("not logged into a.test"), std::string::npos)
      << again.error().message;
  AuthFiles files;
  files.authfile = AuthFile();
  EXPECT_TRUE(*LookupCredentials("b.test", files));
  ASSERT_TRUE(LogoutAll(Access()));
  EXPECT_FALSE(*LookupCredentials("b.test", files));

  RegistryAccess none = Access();
  none.authfile = (dir_.path() / "never-written.json").string();
  EXPECT_TRUE(LogoutAll(none)) << "nothing to remove is not an error";
  EXPECT_FALSE(fs::exists(none.authfile));
}

}  // namespace
}  // namespace berth::puller
