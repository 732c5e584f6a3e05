#include "berth/runner/device_rules.hpp"

#include <charconv>

#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

std::string Number(int64_t n) { return n < 0 ? "*" : std::to_string(n); }

bool ParseNumber(std::string_view text, int64_t* out) {
  if (text == "*") {
    *out = -1;
    return true;
  }
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return false;
  *out = value;
  return true;
}

}  // namespace

std::string DeviceRule::ToString() const {
  return std::string(1, type) + " " + Number(major) + ":" + Number(minor) + " " + access;
}

uint32_t DeviceAccessBits(std::string_view access) {
  uint32_t bits = 0;
  for (char c : access) {
    if (c == 'r') bits |= kDeviceAccessRead;
    if (c == 'w') bits |= kDeviceAccessWrite;
    if (c == 'm') bits |= kDeviceAccessMknod;
  }
  return bits;
}

std::vector<DeviceRule> DefaultDeviceRules() {
  std::vector<DeviceRule> rules = {
      {false, 'a', -1, -1, "rwm"},
      {true, 'c', -1, -1, "m"},
      {true, 'b', -1, -1, "m"},
  };
  const std::pair<int64_t, int64_t> rwm[] = {{1, 3}, {1, 5}, {1, 7}, {1, 8},   {1, 9},
                                             {5, 0}, {5, 1}, {5, 2}, {136, -1}};
  for (auto [major, minor] : rwm) rules.push_back({true, 'c', major, minor, "rwm"});
  return rules;
}

Result<DeviceRule> ParseDeviceRule(std::string_view text, bool allow) {
  auto bad = [&] {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "invalid device rule " + Quote(text) + ": expected '<a|c|b> <major|*>:<minor|*> [rwm]'");
  };
  std::vector<std::string> parts;
  for (const std::string& p : Split(Trim(text), ' ')) {
    if (!p.empty()) parts.push_back(p);
  }
  if (parts.empty() || parts.size() > 3 || parts[0].size() != 1) return bad();
  DeviceRule rule;
  rule.allow = allow;
  rule.type = parts[0][0];
  if (rule.type != 'a' && rule.type != 'c' && rule.type != 'b') return bad();
  if (parts.size() == 1) {
    // "a" alone is what devices.deny takes for "everything".
    if (rule.type != 'a') return bad();
    return rule;
  }
  size_t colon = parts[1].find(':');
  if (colon == std::string::npos ||
      !ParseNumber(std::string_view(parts[1]).substr(0, colon), &rule.major) ||
      !ParseNumber(std::string_view(parts[1]).substr(colon + 1), &rule.minor)) {
    return bad();
  }
  if (parts.size() == 3) {
    const std::string& a = parts[2];
    if (a.empty() || a.find_first_not_of("rwm") != std::string::npos) return bad();
    rule.access.clear();
    for (char c : std::string_view("rwm")) {
      if (a.find(c) != std::string::npos) rule.access += c;
    }
  }
  return rule;
}

bool DeviceRulesAllow(const std::vector<DeviceRule>& rules, char type, uint32_t major,
                      uint32_t minor, uint32_t access) {
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    const DeviceRule& r = *it;
    if (r.type != 'a' && r.type != type) continue;
    if (r.major >= 0 && r.major != major) continue;
    if (r.minor >= 0 && r.minor != minor) continue;
    uint32_t bits = DeviceAccessBits(r.access);
    bool matches = r.allow ? (access & ~bits) == 0 : (access & bits) != 0;
    if (matches) return r.allow;
  }
  return true;
}

}  // namespace berth::runner
