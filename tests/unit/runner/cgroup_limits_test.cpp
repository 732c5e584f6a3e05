#include <gtest/gtest.h>

#include "berth/runner/resource_limits.hpp"

namespace berth::runner {
namespace {

TEST(CgroupLimitsTest, ParseMemoryBytesAcceptsDockerUnits) {
  struct Case {
    const char* text;
    int64_t bytes;
  };
  const Case cases[] = {
      {"0", 0},
      {"100", 100},
      {"100b", 100},
      {"512k", 512 << 10},
      {"512m", int64_t{512} << 20},
      {"512M", int64_t{512} << 20},
      {"1g", int64_t{1} << 30},
      {"1.5g", int64_t{3} << 29},
      {"64MiB", int64_t{64} << 20},
      {"64mb", int64_t{64} << 20},
      {"2 GB", int64_t{2} << 30},
      {"1t", int64_t{1} << 40},
  };
  for (const Case& c : cases) {
    auto r = ParseMemoryBytes(c.text);
    ASSERT_TRUE(r) << c.text << ": " << r.error().ToString();
    EXPECT_EQ(*r, c.bytes) << c.text;
  }
}

TEST(CgroupLimitsTest, ParseMemoryBytesNamesTheBadValue) {
  for (const char* text :
       {"", "m", "12x", "-5m", "1..5m", "1.m", "5mm", "5  m", "1e9", "0x10", "99999999999p"}) {
    auto r = ParseMemoryBytes(text);
    ASSERT_FALSE(r) << text << " parsed as " << *r;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(std::string("'") + text + "'"), std::string::npos)
        << r.error().message;
  }
}

TEST(CgroupLimitsTest, ParseMemorySwapTakesMinusOne) {
  EXPECT_EQ(*ParseMemorySwap("-1"), -1);
  EXPECT_EQ(*ParseMemorySwap("1g"), int64_t{1} << 30);
  EXPECT_FALSE(ParseMemorySwap("-2"));
}

TEST(CgroupLimitsTest, ParseCpus) {
  EXPECT_DOUBLE_EQ(*ParseCpus("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*ParseCpus("2"), 2.0);
  EXPECT_DOUBLE_EQ(*ParseCpus("0.000000001"), 1e-9);
  for (const char* text : {"", "0", "0.0", "-1", "abc", "1.5.2", "0.0000000001", "inf", "1e3"}) {
    auto r = ParseCpus(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(std::string("'") + text + "'"), std::string::npos);
  }
}

TEST(CgroupLimitsTest, ParseIntegers) {
  EXPECT_EQ(*ParseCpuShares("512"), 512u);
  EXPECT_FALSE(ParseCpuShares("-1"));
  EXPECT_FALSE(ParseCpuShares("1k"));
  EXPECT_EQ(*ParsePidsLimit("-1"), -1);
  EXPECT_EQ(*ParsePidsLimit("100"), 100);
  auto bad = ParsePidsLimit("lots");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'lots'"), std::string::npos);
}

TEST(CgroupLimitsTest, ParseCpuList) {
  EXPECT_EQ(*ParseCpuList("0"), std::vector<int>{0});
  EXPECT_EQ(*ParseCpuList("0-2,4"), (std::vector<int>{0, 1, 2, 4}));
  EXPECT_EQ(*ParseCpuList("3,1,1-2"), (std::vector<int>{1, 2, 3}));
  for (const char* text : {"", "a", "1-", "-1", "3-1", "1,,2", "1 2"}) {
    auto r = ParseCpuList(text);
    EXPECT_FALSE(r) << text;
  }
}

TEST(CgroupLimitsTest, ValidateLikeDocker) {
  auto check = [](ResourceLimits l) { return ValidateResourceLimits(l, 2); };
  EXPECT_TRUE(check({}));
  EXPECT_TRUE(check({.memory = int64_t{6} << 20}));
  EXPECT_TRUE(check({.memory = 0}));  // 0 is "no limit"
  EXPECT_TRUE(check({.memory = int64_t{64} << 20, .memory_swap = -1}));
  EXPECT_TRUE(check({.memory = int64_t{64} << 20, .memory_swap = int64_t{64} << 20}));
  EXPECT_TRUE(check({.cpus = 0.01}));
  EXPECT_TRUE(check({.cpus = 2.0}));
  EXPECT_TRUE(check({.cpuset_cpus = "0-1"}));

  struct Bad {
    ResourceLimits limits;
    const char* flag;
  };
  const Bad bad[] = {
      {{.memory = (int64_t{6} << 20) - 1}, "--memory"},
      {{.memory = -5}, "--memory"},
      {{.memory_swap = int64_t{1} << 30}, "--memory-swap"},
      {{.memory = int64_t{64} << 20, .memory_swap = int64_t{32} << 20}, "--memory-swap"},
      {{.cpus = 0.001}, "--cpus"},
      {{.cpus = 2.5}, "--cpus"},
      {{.cpuset_cpus = "0-2"}, "--cpuset-cpus"},
      {{.cpuset_cpus = "x"}, "--cpuset-cpus"},
  };
  for (const Bad& b : bad) {
    auto r = check(b.limits);
    ASSERT_FALSE(r) << b.flag;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message.rfind(b.flag, 0), 0u) << r.error().message;
  }
  auto cpus = check({.cpus = 3});
  EXPECT_NE(cpus.error().message.find("from 0.01 to 2.00"), std::string::npos);
}

}  // namespace
}  // namespace berth::runner
