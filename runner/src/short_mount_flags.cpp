// The colon syntaxes: -v [HOST-DIR|VOLUME:]CTR-DIR[:OPTIONS] and --tmpfs CTR-DIR[:OPTIONS].
#include "berth/base/strings.hpp"
#include "berth/runner/mount_request.hpp"
#include "berth/runner/volume_store.hpp"
#include "mount_options.hpp"

namespace berth::runner {

using detail::ApplyCommonOption;
using detail::HostPath;
using detail::InvalidOption;
using detail::OptionGroups;
using detail::ParseTmpfsMode;
using detail::ParseTmpfsSize;
using detail::SpecError;
using detail::UnsupportedOption;

namespace {

Result<std::string> Destination(std::string_view dest) {
  if (dest.empty()) return InvalidOption("container directory cannot be empty");
  if (dest.front() != '/') {
    return InvalidOption("container path " + Quote(dest) + " must be absolute");
  }
  return CleanPath(dest);
}

// One option of -v's OPTIONS list (podman's ValidateVolumeOpts).
Result<void> ApplyVolumeOption(const std::string& o, MountRequest& m, OptionGroups& groups) {
  bool is_volume = m.type == MountRequest::Type::kVolume;
  if (o == "ro" || o == "rw") {
    BERTH_TRY(groups.Take(detail::kGroupReadOnly));
    m.read_only = o == "ro";
  } else if (o == "z" || o == "Z") {
    BERTH_TRY(groups.Take(detail::kGroupLabel));  // SELinux relabelling: nothing to do without it
  } else if (o == "U") {
    BERTH_TRY(groups.Take(detail::kGroupChown));
    m.options.push_back("U");
  } else if (o == "bind" || o == "rbind") {
    BERTH_TRY(groups.Take(detail::kGroupBind));
    if (o == "bind") m.options.push_back("bind");
  } else if (o == "copy" || o == "nocopy") {
    BERTH_TRY(groups.Take(detail::kGroupCopy));
    m.copy_up = is_volume && o == "copy";
  } else if (o == "cached" || o == "delegated") {
    // macOS consistency hints; Docker and podman drop them on Linux.
  } else if (o == "O" || o.starts_with("upperdir") || o.starts_with("workdir")) {
    return UnsupportedOption("overlay volumes (" + Quote(o) + ") are not supported");
  } else if (o.starts_with("idmap")) {
    return UnsupportedOption("idmapped mounts are not supported");
  } else if (o.starts_with("subpath")) {
    return UnsupportedOption("volume subpaths are not supported");
  } else {
    BERTH_ASSIGN_OR_RETURN(bool applied, ApplyCommonOption(o, m, groups));
    if (!applied) return InvalidOption("unknown option " + Quote(o));
  }
  return Ok();
}

Result<MountRequest> ParseVolume(std::string_view spec, const std::filesystem::path& cwd) {
  std::vector<std::string> parts = Split(spec, ':');
  if (parts.size() > 3) {
    return InvalidOption("too many ':' (want [HOST-DIR|VOLUME:]CTR-DIR[:OPTIONS])");
  }
  MountRequest m;
  std::string source;
  if (parts.size() == 1) {
    BERTH_ASSIGN_OR_RETURN(m.destination, Destination(parts[0]));
  } else {
    source = parts[0];
    if (source.empty()) return InvalidOption("host directory or volume name cannot be empty");
    BERTH_ASSIGN_OR_RETURN(m.destination, Destination(parts[1]));
  }
  if (!source.empty() && (source.front() == '/' || source.front() == '.')) {
    m.type = MountRequest::Type::kBind;
    BERTH_ASSIGN_OR_RETURN(m.source, HostPath(source, cwd));
  } else {
    if (!source.empty() && !IsValidVolumeName(source)) {
      return InvalidOption("volume name " + Quote(source) +
                           " must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (a host path must start "
                           "with '/' or '.')");
    }
    m.type = MountRequest::Type::kVolume;
    m.source = source;
    m.copy_up = true;
  }
  if (parts.size() == 3) {
    OptionGroups groups;
    for (const auto& o : Split(parts[2], ',')) BERTH_TRY(ApplyVolumeOption(o, m, groups));
  }
  return m;
}

// One option of --tmpfs's OPTIONS list.
Result<void> ApplyTmpfsOption(const std::string& o, MountRequest& m, OptionGroups& groups) {
  size_t eq = o.find('=');
  std::string key = o.substr(0, eq);
  std::string value = eq == std::string::npos ? "" : o.substr(eq + 1);
  bool has_value = eq != std::string::npos;
  if (key == "size" && has_value) {
    BERTH_TRY(groups.Take(detail::kGroupSize));
    BERTH_ASSIGN_OR_RETURN(m.tmpfs_size, ParseTmpfsSize(value));
  } else if (key == "mode" && has_value) {
    BERTH_TRY(groups.Take(detail::kGroupMode));
    BERTH_ASSIGN_OR_RETURN(m.tmpfs_mode, ParseTmpfsMode(value));
  } else if ((key == "uid" || key == "gid" || key == "nr_inodes") && has_value) {
    BERTH_TRY(groups.Take("'" + key + "'"));
    bool number = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
    // nr_inodes takes the size suffixes too (memparse in the kernel).
    if (key == "nr_inodes") number = ParseTmpfsSize(value).ok();
    if (!number) return InvalidOption("invalid value " + Quote(value) + " for " + Quote(key));
    m.options.push_back(o);
  } else if (o == "ro" || o == "rw") {
    BERTH_TRY(groups.Take(detail::kGroupReadOnly));
    m.read_only = o == "ro";
  } else if (o == "tmpcopyup" || o == "notmpcopyup") {
    BERTH_TRY(groups.Take(detail::kGroupTmpCopy));
    m.copy_up = o == "tmpcopyup";
  } else if (o == "noatime") {
    BERTH_TRY(groups.Take("'noatime'"));
    m.options.push_back(o);
  } else {
    BERTH_ASSIGN_OR_RETURN(bool applied, ApplyCommonOption(o, m, groups));
    if (!applied) return InvalidOption("unknown option " + Quote(o));
  }
  return Ok();
}

Result<MountRequest> ParseTmpfs(std::string_view spec) {
  size_t colon = spec.find(':');
  std::string_view dest = spec.substr(0, colon);
  MountRequest m;
  m.type = MountRequest::Type::kTmpfs;
  m.copy_up = true;
  BERTH_ASSIGN_OR_RETURN(m.destination, Destination(dest));
  if (colon == std::string_view::npos) {
    m.options = {"noexec", "nosuid", "nodev"};  // podman's defaults when none are given
    return m;
  }
  std::string_view opts = spec.substr(colon + 1);
  if (opts.find(':') != std::string_view::npos) {
    return InvalidOption("too many ':' (want CTR-DIR[:OPTIONS])");
  }
  OptionGroups groups;
  for (const auto& o : Split(opts, ',')) BERTH_TRY(ApplyTmpfsOption(o, m, groups));
  return m;
}

}  // namespace

Result<MountRequest> ParseVolumeFlag(std::string_view spec, const std::filesystem::path& cwd) {
  auto m = ParseVolume(spec, cwd);
  if (!m) return SpecError("volume", spec, std::move(m).error());
  return m;
}

Result<MountRequest> ParseTmpfsFlag(std::string_view spec) {
  auto m = ParseTmpfs(spec);
  if (!m) return SpecError("tmpfs", spec, std::move(m).error());
  return m;
}

}  // namespace berth::runner
