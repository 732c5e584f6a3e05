// HEALTHCHECK: "NONE", or "CMD <command>" with --interval, --timeout, --start-period,
// --start-interval (Go durations, as Docker parses them) and --retries.
#include <charconv>
#include <cmath>

#include "berth/base/strings.hpp"
#include "instruction_parser.hpp"
#include "json_array.hpp"

namespace berth::builder {

namespace {

using std::chrono::nanoseconds;

Error Invalid(std::string what) { return MakeError(ErrorCode::kInvalidArgument, std::move(what)); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Nanoseconds per unit of a Go duration ("us" also as micro sign or Greek mu), or 0.
long double UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3L;
  if (unit == "ms") return 1e6L;
  if (unit == "s") return 1e9L;
  if (unit == "m") return 60e9L;
  if (unit == "h") return 3600e9L;
  return 0;
}

// Go's time.ParseDuration: [-+] then one or more <decimal><unit>, or "0".
std::optional<nanoseconds> ParseGoDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return nanoseconds(0);
  if (s.empty()) return std::nullopt;
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double number = 0;
    bool digits = false;
    for (; i < s.size() && IsDigit(s[i]); ++i, digits = true) number = number * 10 + (s[i] - '0');
    if (i < s.size() && s[i] == '.') {
      long double scale = 0.1L;
      for (++i; i < s.size() && IsDigit(s[i]); ++i, scale /= 10, digits = true) {
        number += (s[i] - '0') * scale;
      }
    }
    if (!digits) return std::nullopt;
    size_t unit_end = i;
    while (unit_end < s.size() && !IsDigit(s[unit_end]) && s[unit_end] != '.') ++unit_end;
    long double unit = UnitNanos(s.substr(i, unit_end - i));
    if (unit == 0) return std::nullopt;
    total += number * unit;
    s.remove_prefix(unit_end);
  }
  if (total > 9.223372036854775807e18L) return std::nullopt;
  auto ns = static_cast<int64_t>(std::floor(total));
  return nanoseconds(negative ? -ns : ns);
}

Result<std::optional<nanoseconds>> DurationFlag(const Instruction& in, std::string_view name) {
  const Flag* flag = FindFlag(in, name);
  if (flag == nullptr || flag->value.empty()) return std::optional<nanoseconds>();
  std::optional<nanoseconds> d = ParseGoDuration(flag->value);
  if (!d) {
    return Invalid("invalid duration for --" + std::string(name) + ": \"" + flag->value + "\"");
  }
  // 0 keeps the default; anything else must be at least Docker's minimum of 1ms.
  if (d->count() != 0 && *d < std::chrono::milliseconds(1)) {
    return Invalid("--" + std::string(name) + " cannot be less than 1ms");
  }
  return std::optional<nanoseconds>(*d);
}

Result<void> ParseOptions(Instruction& in) {
  Healthcheck& h = in.healthcheck;
  BERTH_ASSIGN_OR_RETURN(h.interval, DurationFlag(in, "interval"));
  BERTH_ASSIGN_OR_RETURN(h.timeout, DurationFlag(in, "timeout"));
  BERTH_ASSIGN_OR_RETURN(h.start_period, DurationFlag(in, "start-period"));
  BERTH_ASSIGN_OR_RETURN(h.start_interval, DurationFlag(in, "start-interval"));
  const Flag* retries = FindFlag(in, "retries");
  if (retries != nullptr && !retries->value.empty()) {
    const std::string& v = retries->value;
    int n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size()) {
      return Invalid("invalid value for --retries: \"" + v + "\"");
    }
    if (n < 1) return Invalid("--retries must be at least 1 (not " + v + ")");
    h.retries = n;
  }
  return Ok();
}

}  // namespace

Result<void> ParseHealthcheckArgs(Instruction& in) {
  std::string_view args = in.args;
  if (args.empty()) return Invalid("HEALTHCHECK requires at least one argument");
  size_t end = args.find_first_of(" \t\n\v\f\r");
  std::string type(args.substr(0, end));
  std::string_view rest = end == std::string_view::npos ? "" : Trim(args.substr(end));
  for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (type == "NONE") {
    if (!rest.empty()) return Invalid("HEALTHCHECK NONE takes no arguments");
    in.healthcheck.none = true;
    return Ok();
  }
  if (type != "CMD") return Invalid("unknown type \"" + type + "\" in HEALTHCHECK (try CMD)");
  BERTH_ASSIGN_OR_RETURN(auto json, ParseJsonStringArray(rest));
  Command& test = in.healthcheck.test;
  if (json) {
    test.exec_form = true;
    test.exec = std::move(*json);
  } else {
    test.shell = std::string(rest);
  }
  if (test.exec_form ? test.exec.empty() : test.shell.empty()) {
    return Invalid("missing command after HEALTHCHECK CMD");
  }
  return ParseOptions(in);
}

}  // namespace berth::builder
