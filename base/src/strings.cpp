#include "berth/base/strings.hpp"

#include <cstdio>
#include <ctime>

namespace berth {

std::string Quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = text.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(text.substr(start));
      return out;
    }
    out.emplace_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  const char* ws = " \t\r\n";
  size_t b = text.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  size_t e = text.find_last_not_of(ws);
  return text.substr(b, e - b + 1);
}

std::string HumanSize(uint64_t bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000.0 && u < 5) {
    v /= 1000.0;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.3g %s", v, kUnits[u]);
  }
  return buf;
}

std::string HumanDuration(int64_t then, int64_t now) {
  // The wording of go-units' HumanDuration, which podman prints in CREATED and STATUS columns.
  int64_t d = now > then ? now - then : 0;
  auto n = [](int64_t v, const char* unit) { return std::to_string(v) + " " + unit; };
  if (d < 1) return "Less than a second";
  if (d == 1) return "1 second";
  if (d < 60) return n(d, "seconds");
  if (d < 120) return "About a minute";
  if (d < 3600) return n(d / 60, "minutes");
  if (d < 7200) return "About an hour";
  if (d < 86400 * 2) return n(d / 3600, "hours");
  if (d < 86400 * 7 * 2) return n(d / 86400, "days");
  if (d < 86400 * 30 * 2) return n(d / (86400 * 7), "weeks");
  if (d < 86400 * 365 * 2) return n(d / (86400 * 30), "months");
  return n(d / (86400 * 365), "years");
}

std::string HumanAge(int64_t then, int64_t now) { return HumanDuration(then, now) + " ago"; }

std::string FormatRfc3339(int64_t seconds, int32_t nanos) {
  time_t t = static_cast<time_t>(seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (nanos > 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09d", nanos);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += "Z";
  return out;
}

bool ParseRfc3339(std::string_view text, int64_t* seconds) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  int y, mo, d, h, mi, s;
  std::string str(text);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
      6) {
    return false;
  }
  size_t pos = static_cast<size_t>(consumed);
  if (pos < str.size() && str[pos] == '.') {
    ++pos;
    while (pos < str.size() && isdigit(static_cast<unsigned char>(str[pos]))) ++pos;
  }
  int64_t offset = 0;
  if (pos < str.size() && (str[pos] == '+' || str[pos] == '-')) {
    int oh, om;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return false;
    offset = (oh * 3600 + om * 60) * (str[pos] == '+' ? 1 : -1);
  } else if (pos >= str.size() || (str[pos] != 'Z' && str[pos] != 'z')) {
    return false;
  }
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  *seconds = static_cast<int64_t>(timegm(&tm)) - offset;
  return true;
}

}  // namespace berth
