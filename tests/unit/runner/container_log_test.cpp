#include "berth/runner/container_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "berth/base/temp_dir.hpp"
#include "berth/runner/container_log_reader.hpp"

namespace berth::runner {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSecond = 1000000000;
// 2026-11-22T17:45:01Z
constexpr int64_t kBase = 1795369501LL * kSecond;

LogRecord Rec(int64_t t, LogStream s, bool partial, std::string text) {
  return LogRecord{LogTime{t, 0}, s, partial, std::move(text)};
}

TEST(ContainerLogTest, FormatsRecordsAsConmonDoes) {
  LogRecord r = Rec(kBase + 123456789, LogStream::kStdout, false, "hello world");
  EXPECT_EQ(FormatLogRecord(r), "2026-11-22T17:45:01.123456789+00:00 stdout F hello world\n");
  r.stream = LogStream::kStderr;
  r.partial = true;
  r.time.utc_offset = 3600 + 30 * 60;
  r.text = "";
  EXPECT_EQ(FormatLogRecord(r), "2026-11-22T19:15:01.123456789+01:30 stderr P \n");
}

TEST(ContainerLogTest, ParseIsTheInverseOfFormat) {
  std::vector<LogRecord> records = {
      Rec(kBase, LogStream::kStdout, false, "plain"),
      Rec(kBase + 1, LogStream::kStderr, true, "  spaces  inside and at the end  "),
      Rec(kBase + 999999999, LogStream::kStdout, false, ""),
      Rec(kBase, LogStream::kStdout, false, "tab\there \xff\xfe bytes \r"),
      LogRecord{LogTime{kBase, -5 * 3600}, LogStream::kStderr, false, "west"},
      Rec(-kSecond / 2, LogStream::kStdout, false, "before the epoch"),
  };
  for (const auto& r : records) {
    std::string line = FormatLogRecord(r);
    ASSERT_EQ(line.back(), '\n');
    auto back = ParseLogRecord(std::string_view(line).substr(0, line.size() - 1));
    ASSERT_TRUE(back) << line << back.error().ToString();
    EXPECT_EQ(*back, r) << line;
  }
}

TEST(ContainerLogTest, ParsesPodmanLinesAndRejectsOthers) {
  auto r = ParseLogRecord("2024-01-02T03:04:05.5Z stderr P a b  c");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->time.unix_nanos, 1704164645LL * kSecond + kSecond / 2);
  EXPECT_EQ(r->stream, LogStream::kStderr);
  EXPECT_TRUE(r->partial);
  EXPECT_EQ(r->text, "a b  c");
  // Written by a monitor without the trailing space of an empty line: still a record.
  auto empty = ParseLogRecord("2024-01-02T03:04:05.000000000+00:00 stdout F");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->text, "");
  for (const char* bad :
       {"", "hello", "2024-01-02T03:04:05Z stdin F x", "2024-01-02T03:04:05Z stdout X x",
        "2024-01-02 stdout F x", "2024-01-02T03:04:05 stdout F no zone",
        "2024-13-02T03:04:05Z stdout F x", "2024-01-02T03:04:05.1234567891Z stdout F ten digits"}) {
    auto p = ParseLogRecord(bad);
    EXPECT_FALSE(p) << bad;
    if (!p) {
      EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(ContainerLogTest, DisplayTimeIsPodmansLogTimeFormat) {
  EXPECT_EQ(FormatLogTimeForDisplay({kBase + 5000, 0}), "2026-11-22T17:45:01.000005000Z");
  EXPECT_EQ(FormatLogTimeForDisplay({kBase, 3600}), "2026-11-22T18:45:01.000000000+01:00");
  EXPECT_EQ(FormatLogTimeForDisplay({kBase, -2 * 3600}), "2026-11-22T15:45:01.000000000-02:00");
}

TEST(ContainerLogTest, ChunksSplitIntoFullAndPartialRecords) {
  LogTime t{kBase, 0};
  std::string ts = "2026-11-22T17:45:01.000000000+00:00 ";
  EXPECT_EQ(
      FormatLogChunk(LogStream::kStdout, t, "a\nbb\n\nprompt> "),
      ts + "stdout F a\n" + ts + "stdout F bb\n" + ts + "stdout F \n" + ts + "stdout P prompt> \n");
  EXPECT_EQ(FormatLogChunk(LogStream::kStderr, t, "x"), ts + "stderr P x\n");
  EXPECT_EQ(FormatLogChunk(LogStream::kStderr, t, ""), "");
}

TEST(ContainerLogTest, TimeArgumentsAsPodmanReadsThem) {
  int64_t now = kBase;
  auto at = [&](const char* text, bool since = true) {
    auto r = ParseLogTimeArgument(text, now, since);
    EXPECT_TRUE(r) << text;
    return r ? *r : -1;
  };
  EXPECT_EQ(at("2026-11-22T17:45:01Z"), kBase);
  EXPECT_EQ(at("2026-11-22T18:45:01.25+01:00"), kBase + kSecond / 4);
  EXPECT_EQ(at("2026-11-22T17:45:01"), kBase);  // no zone: UTC
  EXPECT_EQ(at("2026-11-22"), kBase - (17 * 3600 + 45 * 60 + 1) * kSecond);
  EXPECT_EQ(at("1795369501"), kBase);
  EXPECT_EQ(at("1795369501.5"), kBase + kSecond / 2);
  EXPECT_EQ(at("10m"), kBase - 600 * kSecond);
  EXPECT_EQ(at("1h30m"), kBase - 5400 * kSecond);
  EXPECT_EQ(at("1.5s"), kBase - 1500 * kSecond / 1000);
  EXPECT_EQ(at("250ms", false), kBase + kSecond / 4);
  for (const char* bad : {"", "yesterday", "10x", "m", "2026-11-22T17:45"}) {
    EXPECT_FALSE(ParseLogTimeArgument(bad, now, true)) << bad;
  }
}

class LogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create(fs::temp_directory_path(), "berth-log-");
    ASSERT_TRUE(d);
    dir_ = std::move(*d);
    path_ = dir_.path() / "ctr.log";
  }
  void Append(const std::string& text) {
    std::ofstream(path_, std::ios::app | std::ios::binary) << text;
  }
  void AppendRecord(int64_t t, LogStream s, bool partial, const std::string& text) {
    Append(FormatLogRecord(Rec(t, s, partial, text)));
  }
  // Renders records as `berth logs` does, with one stream's output per string.
  std::string Read(const LogReadOptions& o, std::string* err = nullptr) {
    std::string out, e;
    auto r = ReadLog(path_, o, [&](const LogRecord& rec) {
      std::string& dst = rec.stream == LogStream::kStderr ? e : out;
      dst += rec.text + (rec.partial ? "" : "\n");
    });
    EXPECT_TRUE(r) << r.error().ToString();
    if (err) *err = e;
    return out;
  }
  TempDir dir_;
  fs::path path_;
};

TEST_F(LogReaderTest, MissingLogReadsEmpty) { EXPECT_EQ(Read({}), ""); }

TEST_F(LogReaderTest, PartialRecordsJoinAndStreamsStaySeparate) {
  AppendRecord(kBase, LogStream::kStdout, true, "hel");
  AppendRecord(kBase + 1, LogStream::kStderr, false, "oops");
  AppendRecord(kBase + 2, LogStream::kStdout, false, "lo");
  AppendRecord(kBase + 3, LogStream::kStdout, true, "no newline at the end");
  std::string err;
  EXPECT_EQ(Read({}, &err), "hello\nno newline at the end");
  EXPECT_EQ(err, "oops\n");
}

TEST_F(LogReaderTest, TailCountsLinesNotRecords) {
  for (int i = 1; i <= 5; ++i)
    AppendRecord(kBase + i, LogStream::kStdout, false, std::to_string(i));
  AppendRecord(kBase + 6, LogStream::kStdout, true, "6a");
  AppendRecord(kBase + 7, LogStream::kStdout, false, "6b");
  EXPECT_EQ(Read({.tail = 2}), "5\n6a6b\n");
  EXPECT_EQ(Read({.tail = 1}), "6a6b\n");
  EXPECT_EQ(Read({.tail = 0}), "");
  EXPECT_EQ(Read({.tail = 100}), "1\n2\n3\n4\n5\n6a6b\n");
  AppendRecord(kBase + 8, LogStream::kStdout, true, "7...");
  EXPECT_EQ(Read({.tail = 2}), "6a6b\n7...");
}

TEST_F(LogReaderTest, SinceAndUntilAreExclusiveAndApplyBeforeTail) {
  for (int i = 1; i <= 5; ++i) {
    AppendRecord(kBase + i * kSecond, LogStream::kStdout, false, std::to_string(i));
  }
  EXPECT_EQ(Read({.since_ns = kBase + 2 * kSecond}), "3\n4\n5\n");
  EXPECT_EQ(Read({.until_ns = kBase + 3 * kSecond}), "1\n2\n");
  EXPECT_EQ(Read({.since_ns = kBase + kSecond, .until_ns = kBase + 5 * kSecond}), "2\n3\n4\n");
  EXPECT_EQ(Read({.tail = 1, .until_ns = kBase + 3 * kSecond}), "2\n");
}

TEST_F(LogReaderTest, SkipsGarbageAndWaitsForUnfinishedLines) {
  AppendRecord(kBase, LogStream::kStdout, false, "one");
  Append("not a record\n");
  Append("2026-11-22T17:45:01.000000000+00:00 stdout F half-wri");
  LogReader reader(path_);
  std::vector<std::string> seen;
  auto sink = [&](const LogRecord& r) { seen.push_back(r.text); };
  ASSERT_TRUE(reader.ReadNew(sink));
  EXPECT_EQ(seen, std::vector<std::string>{"one"});
  EXPECT_EQ(reader.skipped(), 1u);
  Append("tten\n");
  ASSERT_TRUE(reader.ReadNew(sink));
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "half-written"}));
  ASSERT_TRUE(reader.ReadNew(sink));
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(LogReaderTest, FollowReadsUntilTheContainerStopsThenDrains) {
  AppendRecord(kBase, LogStream::kStdout, false, "before");
  int calls = 0;
  FollowOptions follow;
  follow.poll_interval_ms = 1;
  // The "container" writes one record per check and stops after the third; its last
  // record lands just before it reports that it stopped.
  follow.still_running = [&] {
    ++calls;
    AppendRecord(kBase + calls, LogStream::kStdout, false, "line" + std::to_string(calls));
    return calls < 3;
  };
  std::string out;
  auto r =
      FollowLog(path_, {.tail = 1}, follow, [&](const LogRecord& rec) { out += rec.text + "\n"; });
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(out, "before\nline1\nline2\nline3\n");
  EXPECT_EQ(calls, 3);
}

TEST_F(LogReaderTest, FollowWaitsForTheLogToAppear) {
  int calls = 0;
  FollowOptions follow;
  follow.poll_interval_ms = 1;
  follow.still_running = [&] {
    if (++calls == 2) AppendRecord(kBase, LogStream::kStderr, false, "late");
    return calls < 2;
  };
  std::string out;
  ASSERT_TRUE(FollowLog(path_, {}, follow, [&](const LogRecord& r) { out += r.text; }));
  EXPECT_EQ(out, "late");
}

}  // namespace
}  // namespace berth::runner
