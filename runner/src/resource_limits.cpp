#include "berth/runner/resource_limits.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "12" or "12.5" (digits, at most one point, digits on both sides of it).
bool IsDecimal(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return IsDigits(s);
  return IsDigits(s.substr(0, dot)) && IsDigits(s.substr(dot + 1));
}

Error BadSize(std::string_view text) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "invalid size " + Quote(text) +
                       ": expected a number with an optional unit b, k, m, g, t or p");
}

template <typename T>
Result<T> ParseInteger(std::string_view text, std::string_view what) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid " + std::string(what) + " " + Quote(text) + ": expected an integer");
  }
  return value;
}

}  // namespace

Result<int64_t> ParseMemoryBytes(std::string_view text) {
  // docker (go-units RAMInBytes): ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$
  std::string_view rest = text;
  size_t n = 0;
  while (n < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[n])) || rest[n] == '.')) {
    ++n;
  }
  std::string_view number = rest.substr(0, n);
  rest.remove_prefix(n);
  if (!IsDecimal(number)) return BadSize(text);
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  int shift = 0;
  if (!rest.empty()) {
    const std::string_view units = "bkmgtp";
    size_t u = units.find(static_cast<char>(std::tolower(static_cast<unsigned char>(rest[0]))));
    if (u != std::string_view::npos && u > 0) {
      shift = static_cast<int>(u) * 10;
      rest.remove_prefix(1);
    }
  }
  if (!rest.empty() && (rest.front() == 'i' || rest.front() == 'I')) rest.remove_prefix(1);
  if (!rest.empty() && (rest.front() == 'b' || rest.front() == 'B')) rest.remove_prefix(1);
  if (!rest.empty()) return BadSize(text);
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return BadSize(text);
  long double bytes = static_cast<long double>(value) * std::ldexp(1.0L, shift);
  if (bytes >= 9.2e18L) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid size " + Quote(text) + ": too large");
  }
  return static_cast<int64_t>(bytes);
}

Result<int64_t> ParseMemorySwap(std::string_view text) {
  if (text == "-1") return int64_t{-1};
  return ParseMemoryBytes(text);
}

Result<double> ParseCpus(std::string_view text) {
  size_t dot = text.find('.');
  // docker keeps cpus as an integer number of nano-CPUs.
  if (!IsDecimal(text) || (dot != std::string_view::npos && text.size() - dot - 1 > 9)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid cpus " + Quote(text) +
                         ": expected a positive decimal number with at most 9 decimal places");
  }
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (!(value > 0) || !std::isfinite(value)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid cpus " + Quote(text) + ": must be greater than 0");
  }
  return value;
}

Result<uint64_t> ParseCpuShares(std::string_view text) {
  return ParseInteger<uint64_t>(text, "cpu shares");
}

Result<int64_t> ParsePidsLimit(std::string_view text) {
  return ParseInteger<int64_t>(text, "pids limit");
}

Result<std::vector<int>> ParseCpuList(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid cpu list " + Quote(text) + ": " + std::string(why));
  };
  if (Trim(text).empty()) return bad("empty");
  std::vector<int> cpus;
  for (const std::string& part : Split(text, ',')) {
    size_t dash = part.find('-');
    std::string_view first = std::string_view(part).substr(0, dash);
    std::string_view last =
        dash == std::string::npos ? first : std::string_view(part).substr(dash + 1);
    if (!IsDigits(first) || !IsDigits(last) || first.size() > 6 || last.size() > 6) {
      return bad("expected numbers and ranges such as 0-2,4");
    }
    int lo = std::stoi(std::string(first));
    int hi = std::stoi(std::string(last));
    if (lo > hi) return bad("range " + part + " is reversed");
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

Result<void> ValidateResourceLimits(const ResourceLimits& limits, int online_cpus) {
  auto invalid = [](std::string message) {
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
  };
  int64_t memory = limits.memory.value_or(0);
  if (memory < 0) return invalid("--memory: must not be negative");
  if (memory > 0 && memory < kMinMemoryLimit) {
    return invalid("--memory: minimum memory limit allowed is 6MB");
  }
  if (limits.memory_swap && *limits.memory_swap != 0) {
    int64_t swap = *limits.memory_swap;
    if (memory == 0) {
      return invalid(
          "--memory-swap: you should always set the memory limit when using "
          "the memory-swap limit");
    }
    if (swap != -1 && swap < memory) {
      return invalid(
          "--memory-swap: the memory-swap limit must be larger than or equal to "
          "the memory limit");
    }
  }
  if (limits.cpus) {
    if (*limits.cpus < 0.01 || *limits.cpus > online_cpus) {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "--cpus: range of cpus is from 0.01 to %d.00, as there are only %d cpus "
                    "available",
                    online_cpus, online_cpus);
      return invalid(buf);
    }
  }
  if (limits.cpuset_cpus) {
    auto cpus = ParseCpuList(*limits.cpuset_cpus);
    if (!cpus) return std::move(cpus).error().Context("--cpuset-cpus");
    if (cpus->back() >= online_cpus) {
      return invalid("--cpuset-cpus: cpu " + std::to_string(cpus->back()) +
                     " is not available (cpus 0-" + std::to_string(online_cpus - 1) +
                     " are online)");
    }
  }
  return Ok();
}

}  // namespace berth::runner
