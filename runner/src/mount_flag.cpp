// The key=value syntax: --mount type=bind|volume|tmpfs,KEY[=VALUE],...
#include <optional>

#include "berth/base/strings.hpp"
#include "berth/runner/mount_request.hpp"
#include "berth/runner/volume_store.hpp"
#include "mount_options.hpp"

namespace berth::runner {

using detail::ApplyCommonOption;
using detail::HostPath;
using detail::InvalidOption;
using detail::OptionGroups;
using detail::ParseBool;
using detail::ParseTmpfsMode;
using detail::ParseTmpfsSize;
using detail::SpecError;
using detail::UnsupportedOption;

namespace {

constexpr std::string_view kMountSyntax =
    "want type=<bind|volume|tmpfs>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]";

// One CSV record, as Go's encoding/csv reads it (podman parses --mount with it): fields split
// on ',', a field that starts with '"' is quoted and "" inside it is one '"'.
Result<std::vector<std::string>> SplitCsv(std::string_view text) {
  std::vector<std::string> fields;
  size_t i = 0;
  for (;;) {
    std::string field;
    if (i < text.size() && text[i] == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) return InvalidOption("unterminated '\"'");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        field += text[i];
      }
      if (i < text.size() && text[i] != ',') return InvalidOption("extraneous '\"' in field");
    } else {
      size_t end = std::min(text.find(',', i), text.size());
      field = std::string(text.substr(i, end - i));
      if (field.find('"') != std::string::npos) return InvalidOption("bare '\"' in field");
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= text.size()) return fields;
    ++i;  // the ','
  }
}

struct MountKey {
  std::string name;
  std::string value;
  bool has_value = false;
};

MountKey Cut(const std::string& field) {
  size_t eq = field.find('=');
  if (eq == std::string::npos) return {field, "", false};
  return {field.substr(0, eq), field.substr(eq + 1), true};
}

// What the loop over the keys collects before the type's defaults are applied.
struct MountState {
  MountRequest m;
  std::string source;
  bool has_source = false;
  std::optional<bool> copy_up;
  OptionGroups groups;
};

Result<void> OnlyFor(MountRequest::Type want, const MountRequest& m, const std::string& key) {
  if (m.type == want) return Ok();
  static constexpr std::string_view kNames[] = {"bind", "volume", "tmpfs"};
  return InvalidOption(Quote(key) + " is not supported for " +
                       std::string(kNames[static_cast<int>(m.type)]) + " mounts");
}

Result<std::string> Value(const MountKey& k) {
  if (!k.has_value) return InvalidOption(Quote(k.name) + " needs a value");
  return k.value;
}

// Source, target and read-only: the keys every type has.
Result<bool> ApplyPathKey(const MountKey& k, MountState& s) {
  using Type = MountRequest::Type;
  if (k.name == "src" || k.name == "source") {
    if (s.m.type == Type::kTmpfs) {
      return InvalidOption(Quote(k.name) + " is not supported for tmpfs mounts");
    }
    if (s.has_source) return InvalidOption("the source can be given only once");
    BERTH_ASSIGN_OR_RETURN(s.source, Value(k));
    if (s.source.empty()) return InvalidOption("host directory or volume name cannot be empty");
    s.has_source = true;
  } else if (k.name == "dst" || k.name == "destination" || k.name == "target") {
    if (!s.m.destination.empty()) return InvalidOption("the target can be given only once");
    BERTH_ASSIGN_OR_RETURN(std::string dest, Value(k));
    if (dest.empty() || dest.front() != '/') {
      return InvalidOption("container path " + Quote(dest) + " must be absolute");
    }
    s.m.destination = CleanPath(dest);
  } else if (k.name == "ro" || k.name == "readonly" || k.name == "rw") {
    BERTH_TRY(s.groups.Take("'ro', 'readonly' and 'rw'"));
    BERTH_ASSIGN_OR_RETURN(bool on, ParseBool(k.name, k.value, k.has_value));
    s.m.read_only = (k.name == "rw") ? !on : on;
  } else {
    return false;
  }
  return true;
}

// The keys that belong to one type (bind-*, volume-*, tmpfs-*).
Result<bool> ApplyTypeKey(const MountKey& k, MountState& s) {
  using Type = MountRequest::Type;
  if (k.name == "bind-propagation") {
    BERTH_TRY(OnlyFor(Type::kBind, s.m, k.name));
    BERTH_ASSIGN_OR_RETURN(std::string mode, Value(k));
    if (!detail::IsPropagation(mode)) return InvalidOption("invalid propagation " + Quote(mode));
    BERTH_TRY(s.groups.Take("the propagation modes"));
    s.m.propagation = mode;
  } else if (k.name == "bind-nonrecursive") {
    BERTH_TRY(OnlyFor(Type::kBind, s.m, k.name));
    BERTH_TRY(s.groups.Take(detail::kGroupBind));
    BERTH_ASSIGN_OR_RETURN(bool on, ParseBool(k.name, k.value, k.has_value));
    if (on) s.m.options.push_back("bind");
  } else if (k.name == "volume-nocopy") {
    BERTH_TRY(OnlyFor(Type::kVolume, s.m, k.name));
    BERTH_TRY(s.groups.Take(detail::kGroupCopy));
    BERTH_ASSIGN_OR_RETURN(bool on, ParseBool(k.name, k.value, k.has_value));
    s.copy_up = !on;
  } else if (k.name == "tmpfs-size") {
    BERTH_TRY(OnlyFor(Type::kTmpfs, s.m, k.name));
    BERTH_TRY(s.groups.Take(detail::kGroupSize));
    BERTH_ASSIGN_OR_RETURN(std::string v, Value(k));
    BERTH_ASSIGN_OR_RETURN(s.m.tmpfs_size, ParseTmpfsSize(v));
  } else if (k.name == "tmpfs-mode") {
    BERTH_TRY(OnlyFor(Type::kTmpfs, s.m, k.name));
    BERTH_TRY(s.groups.Take(detail::kGroupMode));
    BERTH_ASSIGN_OR_RETURN(std::string v, Value(k));
    BERTH_ASSIGN_OR_RETURN(s.m.tmpfs_mode, ParseTmpfsMode(v));
  } else if (k.name == "tmpcopyup" || k.name == "notmpcopyup") {
    BERTH_TRY(OnlyFor(Type::kTmpfs, s.m, k.name));
    BERTH_TRY(s.groups.Take(detail::kGroupTmpCopy));
    s.copy_up = k.name == "tmpcopyup";
  } else {
    return false;
  }
  return true;
}

Result<void> ApplyKey(const MountKey& k, MountState& s) {
  BERTH_ASSIGN_OR_RETURN(bool path_key, ApplyPathKey(k, s));
  if (path_key) return Ok();
  BERTH_ASSIGN_OR_RETURN(bool type_key, ApplyTypeKey(k, s));
  if (type_key) return Ok();
  if (k.name == "U" || k.name == "chown") {
    BERTH_TRY(s.groups.Take("'U' and 'chown'"));
    BERTH_ASSIGN_OR_RETURN(bool on, ParseBool(k.name, k.value, k.has_value));
    if (on) s.m.options.push_back("U");
  } else if (k.name == "z" || k.name == "Z" || k.name == "relabel") {
    if (k.name == "relabel" && k.value != "private" && k.value != "shared") {
      return InvalidOption("'relabel' must be 'private' or 'shared'");
    }
    BERTH_TRY(s.groups.Take("'z', 'Z' and 'relabel'"));  // no SELinux: nothing to relabel
  } else if (k.name == "consistency") {
    // A macOS hint; Docker and podman ignore it.
  } else if (k.name == "idmap") {
    return UnsupportedOption("idmapped mounts are not supported");
  } else if (k.name == "subpath" || k.name == "volume-subpath") {
    return UnsupportedOption("volume subpaths are not supported");
  } else if (k.name == "volume-opt" || k.name == "volume-label" || k.name == "volume-driver") {
    return UnsupportedOption(Quote(k.name) + " is not supported");
  } else if (!k.has_value) {
    BERTH_ASSIGN_OR_RETURN(bool applied, ApplyCommonOption(k.name, s.m, s.groups));
    if (!applied) return InvalidOption("unknown option " + Quote(k.name));
  } else {
    return InvalidOption("unknown option " + Quote(k.name));
  }
  return Ok();
}

Result<MountRequest::Type> FindType(const std::vector<std::string>& fields, size_t* index) {
  for (size_t i = 0; i < fields.size(); ++i) {
    MountKey k = Cut(fields[i]);
    if (k.name != "type" || !k.has_value) continue;
    *index = i;
    if (k.value == "bind") return MountRequest::Type::kBind;
    if (k.value == "volume") return MountRequest::Type::kVolume;
    if (k.value == "tmpfs") return MountRequest::Type::kTmpfs;
    if (k.value == "image" || k.value == "devpts" || k.value == "glob" || k.value == "ramfs" ||
        k.value == "artifact") {
      return UnsupportedOption("mount type " + Quote(k.value) + " is not supported");
    }
    return InvalidOption("unknown mount type " + Quote(k.value) + " (" + std::string(kMountSyntax) +
                         ")");
  }
  return InvalidOption("no type= (" + std::string(kMountSyntax) + ")");
}

Result<MountRequest> ParseMount(std::string_view spec, const std::filesystem::path& cwd) {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> fields, SplitCsv(spec));
  size_t type_index = 0;
  MountState s;
  BERTH_ASSIGN_OR_RETURN(s.m.type, FindType(fields, &type_index));
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i != type_index) BERTH_TRY(ApplyKey(Cut(fields[i]), s));
  }
  if (s.m.destination.empty())
    return InvalidOption("no target= (" + std::string(kMountSyntax) + ")");
  switch (s.m.type) {
    case MountRequest::Type::kBind: {
      // podman: a bind mount without a source mounts the same path of the host.
      BERTH_ASSIGN_OR_RETURN(s.m.source, HostPath(s.has_source ? s.source : s.m.destination, cwd));
      break;
    }
    case MountRequest::Type::kVolume:
      if (s.has_source && !IsValidVolumeName(s.source)) {
        return InvalidOption("volume name " + Quote(s.source) +
                             " must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
      }
      s.m.source = s.source;
      s.m.copy_up = s.copy_up.value_or(true);
      break;
    case MountRequest::Type::kTmpfs:
      s.m.copy_up = s.copy_up.value_or(true);
      break;
  }
  return std::move(s.m);
}

}  // namespace

Result<MountRequest> ParseMountFlag(std::string_view spec, const std::filesystem::path& cwd) {
  auto m = ParseMount(spec, cwd);
  if (!m) return SpecError("mount", spec, std::move(m).error());
  return m;
}

}  // namespace berth::runner
