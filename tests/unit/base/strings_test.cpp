#include "berth/base/strings.hpp"

#include <gtest/gtest.h>

#include "berth/base/subprocess.hpp"

namespace berth {
namespace {

TEST(StringsTest, QuoteEscapesControlCharacters) {
  EXPECT_EQ(Quote("etc/passwd"), "'etc/passwd'");
  EXPECT_EQ(Quote("a\nb\x1b"), "'a\\x0ab\\x1b'");
}

TEST(StringsTest, HumanSizeLikePodman) {
  EXPECT_EQ(HumanSize(0), "0 B");
  EXPECT_EQ(HumanSize(999), "999 B");
  EXPECT_EQ(HumanSize(1000), "1 kB");
  EXPECT_EQ(HumanSize(7654321), "7.65 MB");
  EXPECT_EQ(HumanSize(187000000), "187 MB");
}

TEST(StringsTest, HumanAgeLikeGoUnits) {
  EXPECT_EQ(HumanAge(1000, 1000), "Less than a second ago");
  EXPECT_EQ(HumanAge(1000, 1030), "30 seconds ago");
  EXPECT_EQ(HumanAge(1000, 1000 + 90), "About a minute ago");
  EXPECT_EQ(HumanAge(1000, 1000 + 3 * 3600), "3 hours ago");
  EXPECT_EQ(HumanAge(1000, 1000 + 3 * 86400), "3 days ago");
  EXPECT_EQ(HumanAge(1000, 1000 + 800 * 86400), "2 years ago");
  // Reproducible images are created at the epoch; podman prints their real age.
  EXPECT_EQ(HumanAge(0, 1700000000), "53 years ago");
}

TEST(StringsTest, HumanDurationIsTheAgeWithoutAgo) {
  EXPECT_EQ(HumanDuration(1000, 1000), "Less than a second");
  EXPECT_EQ(HumanDuration(1000, 1001), "1 second");
  EXPECT_EQ(HumanDuration(1000, 1005), "5 seconds");
  EXPECT_EQ(HumanDuration(1000, 1000 + 100), "About a minute");
  EXPECT_EQ(HumanDuration(1000, 1000 + 30 * 60), "30 minutes");
  EXPECT_EQ(HumanDuration(2000, 1000), "Less than a second");
}

TEST(StringsTest, Rfc3339BothWays) {
  int64_t t = 0;
  ASSERT_TRUE(ParseRfc3339("2024-01-02T03:04:05Z", &t));
  EXPECT_EQ(t, 1704164645);
  ASSERT_TRUE(ParseRfc3339("2024-01-02T03:04:05.123456789Z", &t));
  EXPECT_EQ(t, 1704164645);
  ASSERT_TRUE(ParseRfc3339("2024-01-02T05:04:05+02:00", &t));
  EXPECT_EQ(t, 1704164645);
  EXPECT_FALSE(ParseRfc3339("yesterday", &t));
  EXPECT_FALSE(ParseRfc3339("2024-01-02T03:04:05", &t));
  EXPECT_EQ(FormatRfc3339(1704164645), "2024-01-02T03:04:05Z");
  EXPECT_EQ(FormatRfc3339(0, 500000000), "1970-01-01T00:00:00.5Z");
}

TEST(StringsTest, SplitJoinTrim) {
  EXPECT_EQ(Split("a:b::c", ':'), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
  EXPECT_EQ(Trim("  x y \n"), "x y");
}

TEST(SubprocessTest, RunsAndReportsStatus) {
  auto out = RunCommand({"sh", "-c", "echo hi; exit 3"});
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(out->out, "hi\n");
  EXPECT_EQ(out->status.code, 3);
  EXPECT_EQ(out->status.ToString(), "exit status 3");
  auto missing = RunCommand({"/nonexistent/berth-test-binary"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace berth
