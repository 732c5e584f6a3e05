#include <gtest/gtest.h>

#include "berth/puller/auth.hpp"

namespace berth::puller {
namespace {

struct Case {
  const char* header;
  std::vector<Challenge> want;
};

TEST(WwwAuthenticate, ParsesTable) {
  std::vector<Case> cases = {
      {R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io")",
       {{"bearer", {{"realm", "https://auth.docker.io/token"}, {"service", "registry.docker.io"}}}}},
      {R"(Bearer realm="https://a/t",service="s",scope="repository:library/alpine:pull,push")",
       {{"bearer",
         {{"realm", "https://a/t"}, {"service", "s"}, {"scope", "repository:library/alpine:pull,push"}}}}},
      {R"(Basic realm="Registry Realm")", {{"basic", {{"realm", "Registry Realm"}}}}},
      {R"(BEARER Realm="x", Error="insufficient_scope")",
       {{"bearer", {{"realm", "x"}, {"error", "insufficient_scope"}}}}},
      {R"(Bearer realm="a\"b",service=plain, Basic realm="r")",
       {{"bearer", {{"realm", "a\"b"}, {"service", "plain"}}}, {"basic", {{"realm", "r"}}}}},
      {"Basic", {{"basic", {}}}},
  };
  for (const auto& c : cases) {
    auto got = ParseWwwAuthenticate(c.header);
    ASSERT_TRUE(got) << c.header << ": " << got.error().message;
    EXPECT_EQ(*got, c.want) << c.header;
  }
}

TEST(WwwAuthenticate, RejectsMalformed) {
  for (const char* h : {"", R"(Bearer realm="unterminated)", "Bearer =x"}) {
    auto got = ParseWwwAuthenticate(h);
    ASSERT_FALSE(got) << h;
    EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(Creds, ParsesUserPass) {
  auto c = ParseCreds("user:pa:ss");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "user");
  EXPECT_EQ(c->password, "pa:ss");
  EXPECT_FALSE(ParseCreds("nopass"));
}

}  // namespace
}  // namespace berth::puller
