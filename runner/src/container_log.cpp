#include "berth/runner/container_log.hpp"

#include <time.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Reads exactly `n` digits at `*pos`.
bool Digits(std::string_view s, size_t* pos, size_t n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

enum class Zone { kRequired, kOptional };

// YYYY-MM-DD[THH:MM:SS[.fraction]][Z|+hh:mm|-hh:mm]; the time part only when `date_only`
// is allowed to be absent (then the zone is optional too, as Go's "2006-01-02Z07:00").
bool ParseTimeText(std::string_view s, Zone zone, bool allow_date_only, LogTime* out) {
  size_t pos = 0;
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!Digits(s, &pos, 4, &y) || !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &mo) ||
      !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &d)) {
    return false;
  }
  int64_t nanos = 0;
  bool has_time = pos < s.size() && (s[pos] == 'T' || s[pos] == 't');
  if (has_time) {
    ++pos;
    if (!Digits(s, &pos, 2, &h) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &mi) ||
        !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &sec)) {
      return false;
    }
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      size_t start = pos;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
      size_t n = pos - start;
      if (n == 0 || n > 9) return false;
      for (size_t i = 0; i < 9; ++i) nanos = nanos * 10 + (i < n ? s[start + i] - '0' : 0);
    }
  } else if (!allow_date_only) {
    return false;
  }
  int32_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    int oh, om;
    if (!Digits(s, &pos, 2, &oh) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &om)) {
      return false;
    }
    offset = sign * (oh * 3600 + om * 60);
  } else if (zone == Zone::kRequired && has_time) {
    return false;
  }
  if (pos != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    return false;
  }
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(::timegm(&tm)) - offset;
  out->unix_nanos = secs * kNanosPerSecond + nanos;
  out->utc_offset = offset;
  return true;
}

// Go's time.ParseDuration: [-+]?(<decimal><unit>)+ with units ns, us, µs, ms, s, m, h.
bool ParseGoDuration(std::string_view s, int64_t* nanos) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *nanos = 0;
    return true;
  }
  if (s.empty()) return false;
  static const struct {
    std::string_view unit;
    double nanos;
  } kUnits[] = {{"ns", 1},   {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
                {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
  double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
    if (n == 0 || (n == 1 && s[0] == '.')) return false;
    double value = std::strtod(std::string(s.substr(0, n)).c_str(), nullptr);
    s.remove_prefix(n);
    bool matched = false;
    // kUnits lists "ms" before "m", so the longer unit wins.
    for (const auto& u : kUnits) {
      if (s.starts_with(u.unit)) {
        total += value * u.nanos;
        s.remove_prefix(u.unit.size());
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  if (total > 9.2e18) return false;
  *nanos = static_cast<int64_t>(std::llround(negative ? -total : total));
  return true;
}

bool ParseUnixSeconds(std::string_view s, int64_t* nanos) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      digits = true;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  double v = std::strtod(std::string(s).c_str(), nullptr);
  if (std::fabs(v) > 9.2e9) return false;
  double whole;
  double frac = std::modf(v, &whole);
  *nanos = static_cast<int64_t>(whole) * kNanosPerSecond + static_cast<int64_t>(frac * 1e9);
  return true;
}

std::string FormatWith(const LogTime& t, bool z_for_utc) {
  int64_t secs = FloorDiv(t.unix_nanos, kNanosPerSecond);
  int64_t nanos = t.unix_nanos - secs * kNanosPerSecond;
  time_t local = static_cast<time_t>(secs + t.utc_offset);
  struct tm tm;
  ::gmtime_r(&local, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(nanos));
  out += buf;
  if (z_for_utc && t.utc_offset == 0) return out + "Z";
  int32_t off = t.utc_offset;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, off / 3600, (off / 60) % 60);
  return out + buf;
}

}  // namespace

std::string_view LogStreamName(LogStream s) {
  return s == LogStream::kStderr ? "stderr" : "stdout";
}

LogTime LogTimeNow() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  ::localtime_r(&ts.tv_sec, &tm);
  return LogTime{static_cast<int64_t>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec,
                 static_cast<int32_t>(tm.tm_gmtoff)};
}

std::string FormatLogTime(const LogTime& t) { return FormatWith(t, false); }

std::string FormatLogTimeForDisplay(const LogTime& t) { return FormatWith(t, true); }

Result<LogTime> ParseLogTime(std::string_view text) {
  LogTime t;
  if (!ParseTimeText(text, Zone::kRequired, false, &t)) {
    return MakeError(ErrorCode::kInvalidArgument, "parse log time " + Quote(text));
  }
  return t;
}

std::string FormatLogRecord(const LogRecord& r) {
  std::string out = FormatLogTime(r.time);
  out += ' ';
  out += LogStreamName(r.stream);
  out += r.partial ? " P " : " F ";
  out += r.text;
  out += '\n';
  return out;
}

Result<LogRecord> ParseLogRecord(std::string_view line) {
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "parse log record " + Quote(line.substr(0, 80)) + ": " + why);
  };
  size_t a = line.find(' ');
  size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
  size_t c = b == std::string_view::npos ? b : line.find(' ', b + 1);
  // conmon writes "<time> <stream> <tag> " even for an empty line, so all three spaces are
  // there; be lenient about the last one for an empty text.
  if (b == std::string_view::npos) return bad("not '<time> <stream> <F|P> <text>'");
  LogRecord r;
  auto t = ParseLogTime(line.substr(0, a));
  if (!t) return bad("bad time");
  r.time = *t;
  std::string_view stream = line.substr(a + 1, b - a - 1);
  if (stream == "stdout") {
    r.stream = LogStream::kStdout;
  } else if (stream == "stderr") {
    r.stream = LogStream::kStderr;
  } else {
    return bad("unknown stream " + Quote(stream));
  }
  std::string_view tag = line.substr(b + 1, c == std::string_view::npos ? c : c - b - 1);
  if (tag != "F" && tag != "P") return bad("unknown tag " + Quote(tag));
  r.partial = tag == "P";
  if (c != std::string_view::npos) r.text = std::string(line.substr(c + 1));
  return r;
}

std::string FormatLogChunk(LogStream stream, const LogTime& time, std::string_view data) {
  std::string out;
  LogRecord r{time, stream, false, {}};
  while (!data.empty()) {
    size_t nl = data.find('\n');
    r.partial = nl == std::string_view::npos;
    r.text.assign(data.substr(0, nl));
    out += FormatLogRecord(r);
    data.remove_prefix(r.partial ? data.size() : nl + 1);
  }
  return out;
}

Result<int64_t> ParseLogTimeArgument(std::string_view text, int64_t now_ns, bool since) {
  LogTime t;
  if (ParseTimeText(text, Zone::kOptional, true, &t)) return t.unix_nanos;
  int64_t nanos = 0;
  if (ParseUnixSeconds(text, &nanos)) return nanos;
  if (ParseGoDuration(text, &nanos)) return since ? now_ns - nanos : now_ns + nanos;
  return MakeError(ErrorCode::kInvalidArgument,
                   "parse time " + Quote(text) +
                       ": not an RFC 3339 time, a Unix time or a duration such as 10m");
}

}  // namespace berth::runner
