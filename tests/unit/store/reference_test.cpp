#include "berth/store/reference.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace berth::store {
namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string kSha = "sha256:" + kHex;

struct GoodCase {
  std::string input;
  std::string registry;
  std::string repository;
  std::string tag;
  bool has_digest;
  std::string string;  // String()
  std::string api_host;
};

void PrintTo(const GoodCase& c, std::ostream* os) { *os << c.input; }
std::string GoodCaseName(const testing::TestParamInfo<GoodCase>& info) {
  return std::to_string(info.index);
}

class ReferenceGoodTest : public testing::TestWithParam<GoodCase> {};

TEST_P(ReferenceGoodTest, ParsesAndNormalises) {
  const GoodCase& c = GetParam();
  auto ref = Reference::Parse(c.input);
  ASSERT_TRUE(ref) << ref.error().message;
  EXPECT_EQ(ref->registry, c.registry);
  EXPECT_EQ(ref->repository, c.repository);
  EXPECT_EQ(ref->tag, c.tag);
  ASSERT_EQ(ref->digest.has_value(), c.has_digest);
  if (c.has_digest) {
    EXPECT_EQ(ref->digest->String(), kSha);
  }
  EXPECT_EQ(ref->String(), c.string);
  EXPECT_EQ(ref->Name(), c.registry + "/" + c.repository);
  EXPECT_EQ(ref->ApiHost(), c.api_host);
  // The normalised form is a fixed point.
  auto again = Reference::Parse(ref->String());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *ref);
}

const std::string kHub = "registry-1.docker.io";

const std::vector<GoodCase> kReferenceGoodCases = {
    GoodCase{"alpine", "docker.io", "library/alpine", "latest", false,
             "docker.io/library/alpine:latest", kHub},
    GoodCase{"alpine:3.19", "docker.io", "library/alpine", "3.19", false,
             "docker.io/library/alpine:3.19", kHub},
    GoodCase{"library/alpine", "docker.io", "library/alpine", "latest", false,
             "docker.io/library/alpine:latest", kHub},
    GoodCase{"docker.io/alpine", "docker.io", "library/alpine", "latest", false,
             "docker.io/library/alpine:latest", kHub},
    GoodCase{"index.docker.io/library/alpine", "docker.io", "library/alpine", "latest", false,
             "docker.io/library/alpine:latest", kHub},
    GoodCase{"index.docker.io/alpine:edge", "docker.io", "library/alpine", "edge", false,
             "docker.io/library/alpine:edge", kHub},
    GoodCase{"bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", false,
             "docker.io/bitnami/redis:7.2", kHub},
    GoodCase{"localhost/foo", "localhost", "foo", "latest", false, "localhost/foo:latest",
             "localhost"},
    GoodCase{"localhost:5000/a/b:t", "localhost:5000", "a/b", "t", false, "localhost:5000/a/b:t",
             "localhost:5000"},
    GoodCase{"registry.example.com:5000/ns/img@" + kSha, "registry.example.com:5000", "ns/img", "",
             true, "registry.example.com:5000/ns/img@" + kSha, "registry.example.com:5000"},
    GoodCase{"img:tag@" + kSha, "docker.io", "library/img", "tag", true,
             "docker.io/library/img:tag@" + kSha, kHub},
    GoodCase{"quay.io/podman/stable:v4.9.3", "quay.io", "podman/stable", "v4.9.3", false,
             "quay.io/podman/stable:v4.9.3", "quay.io"},
    GoodCase{"ghcr.io/a/b/c/d", "ghcr.io", "a/b/c/d", "latest", false, "ghcr.io/a/b/c/d:latest",
             "ghcr.io"},
    GoodCase{"myhost:5000/img", "myhost:5000", "img", "latest", false, "myhost:5000/img:latest",
             "myhost:5000"},
    GoodCase{"Registry.Example.COM/img", "Registry.Example.COM", "img", "latest", false,
             "Registry.Example.COM/img:latest", "Registry.Example.COM"},
    GoodCase{"[::1]:5000/img:1", "[::1]:5000", "img", "1", false, "[::1]:5000/img:1", "[::1]:5000"},
    GoodCase{"127.0.0.1:5000/x", "127.0.0.1:5000", "x", "latest", false, "127.0.0.1:5000/x:latest",
             "127.0.0.1:5000"},
    // Separators: '.', '_', '__' and runs of '-'.
    GoodCase{"x/a.b_c__d---e/f-g:T_a.g-1", "docker.io", "x/a.b_c__d---e/f-g", "T_a.g-1", false,
             "docker.io/x/a.b_c__d---e/f-g:T_a.g-1", kHub},
    // A first component with a '.' is a registry even where a path would also fit.
    GoodCase{"a.b/c", "a.b", "c", "latest", false, "a.b/c:latest", "a.b"},
    GoodCase{"foo.com", "docker.io", "library/foo.com", "latest", false,
             "docker.io/library/foo.com:latest", kHub},
    // Without a '/', "localhost:5000" is a name and a tag, as Docker reads it.
    GoodCase{"localhost:5000", "docker.io", "library/localhost", "5000", false,
             "docker.io/library/localhost:5000", kHub},
    GoodCase{"alpine:" + std::string(128, 'x'), "docker.io", "library/alpine",
             std::string(128, 'x'), false, "docker.io/library/alpine:" + std::string(128, 'x'),
             kHub},
};

INSTANTIATE_TEST_SUITE_P(Cases, ReferenceGoodTest, testing::ValuesIn(kReferenceGoodCases),
                         GoodCaseName);

struct BadCase {
  std::string input;
  std::string reason;  // expected at the end of the message
  ErrorCode code = ErrorCode::kInvalidArgument;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.input; }
std::string CaseName(const testing::TestParamInfo<BadCase>& info) {
  return std::to_string(info.index);
}

class ReferenceBadTest : public testing::TestWithParam<BadCase> {};

TEST_P(ReferenceBadTest, FailsWithReasonAndQuotedInput) {
  const BadCase& c = GetParam();
  auto ref = Reference::Parse(c.input);
  ASSERT_FALSE(ref) << ref->String();
  EXPECT_EQ(ref.error().code, c.code) << ref.error().message;
  const std::string prefix = "parse reference '" + c.input + "': ";
  EXPECT_EQ(ref.error().message.rfind(prefix, 0), 0u) << ref.error().message;
  EXPECT_NE(ref.error().message.find(c.reason, prefix.size()), std::string::npos)
      << ref.error().message;
}

const std::string kLongComponent(250, 'a');

const std::vector<BadCase> kReferenceBadCases = {
    BadCase{"", "empty reference"},
    BadCase{"Uppercase", "repository name must be lowercase"},
    BadCase{"library/Alpine:3", "repository name must be lowercase"},
    BadCase{"quay.io/Podman/stable", "repository name must be lowercase"},
    BadCase{"alpine/", "empty path component"},
    BadCase{"a//b", "empty path component"},
    BadCase{"/alpine", "empty path component"},
    BadCase{"docker.io/", "missing repository name"},
    BadCase{":tag", "missing repository name"},
    BadCase{"@" + kSha, "missing repository name"},
    BadCase{"alpine:", "invalid tag ''"},
    BadCase{"alpine:ta$g", "invalid tag 'ta$g'"},
    BadCase{"alpine:-x", "invalid tag '-x'"},
    BadCase{"alpine:.x", "invalid tag '.x'"},
    BadCase{"alpine:" + std::string(129, 'x'), "invalid tag"},
    BadCase{"alpine:a:b", "invalid path component 'alpine:a'"},
    BadCase{"alpine@sha256:abc", "invalid sha256 digest abc"},
    BadCase{"alpine@", "no algorithm"},
    BadCase{"a@b@" + kSha, "invalid path component 'a@b'"},
    BadCase{"alpine@" + kHex, "no algorithm"},
    BadCase{"alpine@sha256:" + std::string(64, 'A'), "invalid sha256 digest"},
    BadCase{"alpine@sha512:" + kHex + kHex, "unsupported digest algorithm 'sha512'",
            ErrorCode::kUnsupported},
    BadCase{"al pine", "invalid path component 'al pine'"},
    BadCase{" alpine", "invalid path component ' alpine'"},
    BadCase{"-alpine", "invalid path component '-alpine'"},
    BadCase{"alpine-", "invalid path component 'alpine-'"},
    BadCase{"a..b", "invalid path component 'a..b'"},
    BadCase{"a___b", "invalid path component 'a___b'"},
    BadCase{"a._b", "invalid path component 'a._b'"},
    BadCase{"ünïcode", "invalid path component"},
    BadCase{"reg-.example.com/img", "invalid registry host 'reg-.example.com'"},
    BadCase{"reg..com/img", "invalid registry host 'reg..com'"},
    BadCase{"host:port/img", "invalid registry host 'host:port'"},
    BadCase{"host:/img", "invalid registry host 'host:'"},
    BadCase{kHex, "image id"},
    BadCase{"example.com/" + kLongComponent, "name longer than 255 characters"},
    // docker.io/library/ is counted: the limit applies to the normalised name.
    BadCase{std::string(240, 'a'), "name longer than 255 characters"},
};

INSTANTIATE_TEST_SUITE_P(Cases, ReferenceBadTest, testing::ValuesIn(kReferenceBadCases), CaseName);

TEST(ReferenceTest, NameLimitIsInclusive) {
  // "example.com/" is 12 characters; 243 more make exactly 255.
  auto ok = Reference::Parse("example.com/" + std::string(243, 'a'));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->Name().size(), 255u);
  EXPECT_FALSE(Reference::Parse("example.com/" + std::string(244, 'a')));
}

TEST(ReferenceTest, DigestOnlyHasNoDefaultTag) {
  auto ref = Reference::Parse("alpine@" + kSha);
  ASSERT_TRUE(ref) << ref.error().message;
  EXPECT_EQ(ref->tag, "");
  EXPECT_EQ(ref->String(), "docker.io/library/alpine@" + kSha);
}

TEST(ReferenceTest, ControlCharactersAreEscapedInMessages) {
  auto ref = Reference::Parse("alp\nine");
  ASSERT_FALSE(ref);
  EXPECT_EQ(ref.error().message.find('\n'), std::string::npos) << ref.error().message;
}

}  // namespace
}  // namespace berth::store
