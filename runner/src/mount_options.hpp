// The option vocabulary that -v, --mount and --tmpfs share: exclusive groups, the flags every
// mount type takes, tmpfs sizes and modes, host paths. Private to the flag parsers, whose
// SpecError puts "invalid volume spec 'x': " before the causes these return.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "berth/base/result.hpp"
#include "berth/runner/mount_request.hpp"

namespace berth::runner::detail {

Error InvalidOption(std::string message);
Error UnsupportedOption(std::string message);

// Options that exclude each other ("ro"/"rw", "exec"/"noexec", propagation modes...) form a
// group; each group may be used once per mount, as podman enforces.
class OptionGroups {
 public:
  // `group` names the members for the message ("'ro' and 'rw'"). Fails when the group was
  // used before.
  Result<void> Take(std::string_view group);

 private:
  std::set<std::string, std::less<>> taken_;
};

inline constexpr std::string_view kGroupReadOnly = "'ro' and 'rw'";
inline constexpr std::string_view kGroupBind = "'bind' and 'rbind'";
inline constexpr std::string_view kGroupCopy = "'copy' and 'nocopy'";
inline constexpr std::string_view kGroupTmpCopy = "'tmpcopyup' and 'notmpcopyup'";
inline constexpr std::string_view kGroupLabel = "'z' and 'Z'";
inline constexpr std::string_view kGroupChown = "'U'";
inline constexpr std::string_view kGroupSize = "'size'";
inline constexpr std::string_view kGroupMode = "'mode'";

bool IsPropagation(std::string_view word);

// exec|noexec, suid|nosuid, dev|nodev and the propagation words, which every mount type
// takes: applies `name` to `m` and returns true, or returns false if it is none of them.
Result<bool> ApplyCommonOption(std::string_view name, MountRequest& m, OptionGroups& groups);

// "64m", "1g", "4096": bytes, with the suffixes the kernel's tmpfs takes (k m g t p e, any
// case). Percentages of RAM are refused (kUnsupported).
Result<int64_t> ParseTmpfsSize(std::string_view text);
// Octal, at most 07777.
Result<uint32_t> ParseTmpfsMode(std::string_view text);
// "true"/"false" in any case for option `key`; an absent value (a bare key) is true.
Result<bool> ParseBool(std::string_view key, std::string_view value, bool has_value);

// An absolute, cleaned host path: `path` itself if absolute, else `cwd`/`path`.
Result<std::string> HostPath(std::string_view path, const std::filesystem::path& cwd);

// The error a parser returns for `cause`: "invalid <kind> spec '<spec>': <cause>", or
// "<kind> spec '<spec>': <cause>" for kUnsupported, where the spec itself is fine.
Error SpecError(std::string_view kind, std::string_view spec, Error cause);

}  // namespace berth::runner::detail
