// Container logs in podman's "k8s-file" format (what conmon writes to ctr.log): one record
// per line,
//
//   2026-11-22T17:45:01.123456789+00:00 stdout F hello world
//   <time: RFC 3339, 9 fraction digits, numeric offset> <stdout|stderr> <F|P> <text>
//
// F ("full") ends a line of the container's output: the newline is implied. P ("partial")
// is a piece of a line without its newline; the next record of the same stream continues
// it (conmon writes P for the unterminated end of each read, so a prompt shows up at once).
// The text is the output's bytes as they were, without the newline; it never contains one.
//
// This file parses and formats single records and the times around them; reading a whole
// log (tail, since, until, follow) is container_log_reader.hpp. Value types and pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "berth/base/result.hpp"

namespace berth::runner {

enum class LogStream { kStdout, kStderr };
std::string_view LogStreamName(LogStream s);  // "stdout", "stderr"

// A point in time as a log record carries it: Unix nanoseconds plus the UTC offset it was
// written with (seconds east of UTC), kept so that a record prints back as it was written.
struct LogTime {
  int64_t unix_nanos = 0;
  int32_t utc_offset = 0;
  bool operator==(const LogTime&) const = default;
};

struct LogRecord {
  LogTime time;
  LogStream stream = LogStream::kStdout;
  bool partial = false;  // P: the line goes on in the next record of this stream
  std::string text;      // no newline
  bool operator==(const LogRecord&) const = default;
};

// Now, with the local UTC offset (as conmon stamps records).
LogTime LogTimeNow();

// "2026-11-22T17:45:01.123456789+00:00": the record form, always 9 fraction digits and a
// numeric offset (conmon's form).
std::string FormatLogTime(const LogTime& t);
// "2026-11-22T17:45:01.123456789Z": what `logs --timestamps` prints before a line (podman's
// LogTimeFormat: 9 digits, "Z" for offset 0, else "+01:00").
std::string FormatLogTimeForDisplay(const LogTime& t);
// Parses RFC 3339 with an optional fraction (up to 9 digits) and a "Z" or +hh:mm/-hh:mm
// offset. kInvalidArgument naming the text on anything else.
Result<LogTime> ParseLogTime(std::string_view text);

// One record as a line of ctr.log, ending in '\n'. `record.text` must not contain '\n'.
std::string FormatLogRecord(const LogRecord& record);
// Parses one line of ctr.log (without its '\n'; a trailing '\r' is kept as text).
// kInvalidArgument naming the problem for a line that is not a record.
Result<LogRecord> ParseLogRecord(std::string_view line);

// Turns one read of a stream's output into records, as conmon does: each '\n'-terminated
// piece becomes an F record, an unterminated rest a P record, all stamped `time`. Empty
// `data` gives "". The monitor appends the result to ctr.log.
std::string FormatLogChunk(LogStream stream, const LogTime& time, std::string_view data);

// A --since/--until argument as podman reads it, to Unix nanoseconds: an RFC 3339 time
// (a missing offset means UTC), a date "2006-01-02", a Unix time in seconds with an optional
// fraction ("1700000000.5"), or a Go duration ("10m", "1h30m", "1.5s") counted back from
// `now_ns` (for --since, `since` true) or forward from it (for --until).
// kInvalidArgument naming the text otherwise.
Result<int64_t> ParseLogTimeArgument(std::string_view text, int64_t now_ns, bool since);

}  // namespace berth::runner
