#include "berth/runner/rlimits.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace berth::runner {
namespace {

TEST(UlimitTest, ParsesSoftAndHard) {
  auto u = ParseUlimit("nofile=1024:2048");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->resource, RLIMIT_NOFILE);
  EXPECT_EQ(u->soft, 1024u);
  EXPECT_EQ(u->hard, 2048u);
  EXPECT_EQ(u->ToString(), "nofile=1024:2048");
}

TEST(UlimitTest, HardDefaultsToSoft) {
  auto u = ParseUlimit("nproc=512");
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, (Ulimit{RLIMIT_NPROC, 512, 512}));
}

TEST(UlimitTest, MinusOneIsUnlimited) {
  auto u = ParseUlimit("core=-1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->soft, kUnlimited);
  EXPECT_EQ(u->hard, kUnlimited);
  EXPECT_EQ(u->ToString(), "core=-1:-1");
  auto mixed = ParseUlimit("memlock=65536:-1");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->soft, 65536u);
  EXPECT_EQ(mixed->hard, kUnlimited);
}

TEST(UlimitTest, KnowsDockersNames) {
  const std::pair<const char*, int> names[] = {
      {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},         {"fsize", RLIMIT_FSIZE},
      {"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
      {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
      {"rss", RLIMIT_RSS},           {"rtprio", RLIMIT_RTPRIO},
      {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK},
  };
  for (const auto& [name, resource] : names) {
    auto u = ParseUlimit(std::string(name) + "=1:2");
    ASSERT_TRUE(u) << name;
    EXPECT_EQ(u->resource, resource) << name;
    EXPECT_EQ(u->Name(), name);
  }
}

TEST(UlimitTest, RejectsMalformedValuesNamingThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"nofile", "missing '='"},
      {"files=1:2", "unknown resource 'files'"},
      {"NOFILE=1:2", "unknown resource 'NOFILE'"},
      {"nofile=abc", "soft limit 'abc' is not a number or -1"},
      {"nofile=1:", "hard limit '' is not a number or -1"},
      {"nofile=", "soft limit '' is not a number or -1"},
      {"nofile=-2", "soft limit '-2' is not a number or -1"},
      {"nofile=1:2:3", "hard limit '2:3' is not a number or -1"},
      {"nofile=2048:1024", "soft limit 2048 exceeds hard limit 1024"},
      {"nofile=-1:1024", "soft limit unlimited exceeds hard limit 1024"},
  };
  for (const auto& [text, why] : cases) {
    auto u = ParseUlimit(text);
    ASSERT_FALSE(u) << text;
    EXPECT_EQ(u.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(u.error().message, "ulimit '" + std::string(text) + "': " + why);
  }
}

TEST(UlimitTest, HardLimitAboveTheCallersNeedsCapSysResource) {
  const Ulimit want{RLIMIT_NOFILE, 1024, 30000};
  const rlimit caller{1024, 20000};
  auto denied = CheckUlimit(want, caller, /*has_sys_resource=*/false);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.error().message,
            "ulimit nofile: hard limit 30000 exceeds the caller's hard limit 20000 (berth lacks "
            "CAP_SYS_RESOURCE)");
  EXPECT_TRUE(CheckUlimit(want, caller, /*has_sys_resource=*/true));
  EXPECT_TRUE(CheckUlimit({RLIMIT_NOFILE, 20000, 20000}, caller, false));
  EXPECT_TRUE(CheckUlimit({RLIMIT_NOFILE, 100, 200}, caller, false));
  auto unlimited = CheckUlimit({RLIMIT_CORE, kUnlimited, kUnlimited}, {0, 4096}, false);
  ASSERT_FALSE(unlimited);
  EXPECT_NE(unlimited.error().message.find("hard limit unlimited exceeds"), std::string::npos);
  EXPECT_TRUE(CheckUlimit({RLIMIT_CORE, kUnlimited, kUnlimited}, {0, RLIM_INFINITY}, false));
}

TEST(UlimitTest, CheckUlimitsUsesThisProcessLimits) {
  rlimit own{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &own), 0);
  // Lowering and keeping are always allowed.
  EXPECT_TRUE(CheckUlimits({{RLIMIT_NOFILE, own.rlim_cur, own.rlim_max}}));
  EXPECT_TRUE(CheckUlimits({{RLIMIT_NOFILE, 100, 200}, {RLIMIT_CORE, 0, 0}}));
  auto twice = CheckUlimits({{RLIMIT_NOFILE, 100, 200}, {RLIMIT_NOFILE, 10, 20}});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message, "ulimit nofile: given more than once");
}

TEST(UlimitTest, DefaultsNeverExceedTheCallersHardLimitWithoutCapSysResource) {
  const rlimit nofile{1024, 20000}, nproc{RLIM_INFINITY, RLIM_INFINITY};
  EXPECT_EQ(WithDefaultUlimits({}, nofile, nproc, /*has_sys_resource=*/false),
            (std::vector<Ulimit>{{RLIMIT_NOFILE, 20000, 20000}, {RLIMIT_NPROC, 4194304, 4194304}}));
  EXPECT_EQ(
      WithDefaultUlimits({}, nofile, nproc, /*has_sys_resource=*/true),
      (std::vector<Ulimit>{{RLIMIT_NOFILE, 1048576, 1048576}, {RLIMIT_NPROC, 4194304, 4194304}}));
  // A resource the user set keeps the user's value; the other still gets its default.
  const Ulimit mine{RLIMIT_NOFILE, 100, 200};
  EXPECT_EQ(WithDefaultUlimits({mine}, nofile, {0, 500}, false),
            (std::vector<Ulimit>{mine, {RLIMIT_NPROC, 500, 500}}));
  // Against this process: every default passes the parent-side check.
  auto own = WithDefaultUlimits({});
  ASSERT_TRUE(own) << own.error().ToString();
  EXPECT_EQ(own->size(), 2u);
  EXPECT_TRUE(CheckUlimits(*own));
}

}  // namespace
}  // namespace berth::runner
