#include "mount_options.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "berth/base/strings.hpp"

namespace berth::runner::detail {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Error InvalidOption(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Error UnsupportedOption(std::string message) {
  return MakeError(ErrorCode::kUnsupported, std::move(message));
}

Result<void> OptionGroups::Take(std::string_view group) {
  if (!taken_.emplace(group).second) {
    // "'U'" is one option; "'ro' and 'rw'" or "the propagation modes" are several.
    if (group.starts_with('\'') && group.find(" and ") == std::string_view::npos) {
      return InvalidOption(std::string(group) + " can be given only once");
    }
    return InvalidOption("only one of " + std::string(group) + " can be given");
  }
  return Ok();
}

bool IsPropagation(std::string_view word) {
  static constexpr std::array<std::string_view, 8> kModes = {
      "rprivate", "private", "rshared", "shared", "rslave", "slave", "runbindable", "unbindable"};
  return std::find(kModes.begin(), kModes.end(), word) != kModes.end();
}

Result<bool> ApplyCommonOption(std::string_view name, MountRequest& m, OptionGroups& groups) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kFlags = {{
      {"exec", "'exec' and 'noexec'"},
      {"suid", "'suid' and 'nosuid'"},
      {"dev", "'dev' and 'nodev'"},
  }};
  for (const auto& [flag, group] : kFlags) {
    if (name == flag || (name.starts_with("no") && name.substr(2) == flag)) {
      BERTH_TRY(groups.Take(group));
      m.options.emplace_back(name);
      return true;
    }
  }
  if (IsPropagation(name)) {
    BERTH_TRY(groups.Take("the propagation modes"));
    m.propagation = std::string(name);
    return true;
  }
  return false;
}

Result<int64_t> ParseTmpfsSize(std::string_view text) {
  auto bad = [&] {
    return InvalidOption("invalid tmpfs size " + Quote(text) +
                         " (want bytes, or k, m, g suffixed)");
  };
  if (text.ends_with('%')) {
    return UnsupportedOption("tmpfs size " + Quote(text) + ": a share of RAM is not supported");
  }
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || text.size() - digits > 1) return bad();
  int shift = 0;
  if (digits < text.size()) {
    static constexpr std::string_view kSuffixes = "kmgtpe";
    size_t i = kSuffixes.find(static_cast<char>(std::tolower(text.back())));
    if (i == std::string_view::npos) return bad();
    shift = 10 * static_cast<int>(i + 1);
  }
  int64_t value = 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < digits; ++i) {
    int d = text[i] - '0';
    if (value > (kMax - d) / 10) return bad();
    value = value * 10 + d;
  }
  if (shift && value > (kMax >> shift)) return bad();
  return value << shift;
}

Result<uint32_t> ParseTmpfsMode(std::string_view text) {
  if (text.empty() || text.size() > 5) {
    return InvalidOption("invalid tmpfs mode " + Quote(text) + " (want octal, at most 7777)");
  }
  uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') {
      return InvalidOption("invalid tmpfs mode " + Quote(text) + " (want octal, at most 7777)");
    }
    mode = mode * 8 + static_cast<uint32_t>(c - '0');
  }
  if (mode > 07777) {
    return InvalidOption("invalid tmpfs mode " + Quote(text) + " (want octal, at most 7777)");
  }
  return mode;
}

Result<bool> ParseBool(std::string_view key, std::string_view value, bool has_value) {
  if (!has_value) return true;
  std::string v = Lower(value);
  if (v == "true") return true;
  if (v == "false") return false;
  return InvalidOption("invalid value " + Quote(value) + " for " + Quote(key) +
                       " (want true or false)");
}

Result<std::string> HostPath(std::string_view path, const std::filesystem::path& cwd) {
  if (path.empty()) return InvalidOption("host directory cannot be empty");
  if (path.front() == '/') return CleanPath(path);
  if (!cwd.is_absolute()) {
    return InvalidOption("relative host path " + Quote(path) + " needs a working directory");
  }
  return CleanPath((cwd / std::string(path)).string());
}

Error SpecError(std::string_view kind, std::string_view spec, Error cause) {
  std::string prefix = cause.code == ErrorCode::kUnsupported ? "" : "invalid ";
  return std::move(cause).Context(prefix + std::string(kind) + " spec " + Quote(spec));
}

}  // namespace berth::runner::detail
