// MountRequest as a value (printing), and the checks and orderings over a container's list
// of mounts. The flag parsers are in mount_flags.cpp.
#include "berth/runner/mount_request.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "berth/base/strings.hpp"
#include "berth/runner/volume_store.hpp"

namespace berth::runner {

namespace {

size_t Depth(const std::string& destination) {
  std::string clean = CleanPath(destination);
  if (clean == "/") return 0;
  return static_cast<size_t>(std::count(clean.begin(), clean.end(), '/'));
}

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Result<void> ValidateOne(const MountRequest& m) {
  const std::string& d = m.destination;
  if (d.empty()) return Invalid("container path cannot be empty");
  if (d.front() != '/')
    return Invalid("invalid container path " + Quote(d) + ": it must be absolute");
  if (CleanPath(d) == "/") {
    return Invalid("invalid container path " + Quote(d) + ": cannot mount over the root");
  }
  switch (m.type) {
    case MountRequest::Type::kBind:
      if (m.source.empty() || m.source.front() != '/') {
        return Invalid("bind mount on " + Quote(d) + ": host path " + Quote(m.source) +
                       " must be absolute");
      }
      break;
    case MountRequest::Type::kVolume:
      if (!m.source.empty() && !IsValidVolumeName(m.source)) {
        return Invalid("volume mount on " + Quote(d) + ": invalid volume name " + Quote(m.source) +
                       ": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
      }
      break;
    case MountRequest::Type::kTmpfs:
      if (!m.source.empty()) {
        return Invalid("tmpfs mount on " + Quote(d) + " cannot have a source");
      }
      break;
  }
  if (m.type != MountRequest::Type::kTmpfs && (m.tmpfs_size || m.tmpfs_mode)) {
    return Invalid(std::string(MountTypeName(m.type)) + " mount on " + Quote(d) +
                   ": tmpfs size and mode apply only to tmpfs mounts");
  }
  return Ok();
}

}  // namespace

std::string_view MountTypeName(MountRequest::Type t) {
  switch (t) {
    case MountRequest::Type::kBind:
      return "bind";
    case MountRequest::Type::kVolume:
      return "volume";
    case MountRequest::Type::kTmpfs:
      return "tmpfs";
  }
  return "?";
}

std::string CleanPath(std::string_view path) {
  if (path.empty()) return ".";
  bool rooted = path.front() == '/';
  std::vector<std::string> parts;
  for (const std::string& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = (rooted ? "/" : "") + Join(parts, "/");
  return out.empty() ? "." : out;
}

std::string MountRequest::ToString() const {
  std::string out = "type=" + std::string(MountTypeName(type));
  if (!source.empty()) out += ",source=" + source;
  out += ",destination=" + destination;
  if (read_only) out += ",ro";
  out += ",propagation=" + propagation;
  if (tmpfs_size) out += ",tmpfs-size=" + std::to_string(*tmpfs_size);
  if (tmpfs_mode) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", *tmpfs_mode);
    out += ",tmpfs-mode=" + std::string(mode);
  }
  for (const auto& o : options) out += "," + o;
  if (copy_up) out += ",copy-up";
  return out;
}

std::ostream& operator<<(std::ostream& os, const MountRequest& m) { return os << m.ToString(); }

Result<void> ValidateMounts(const std::vector<MountRequest>& mounts) {
  std::set<std::string> seen;
  for (const auto& m : mounts) {
    BERTH_TRY(ValidateOne(m));
    std::string dest = CleanPath(m.destination);
    if (!seen.insert(dest).second) return Invalid("duplicate mount destination " + Quote(dest));
  }
  return Ok();
}

Result<std::vector<MountRequest>> ParseMountFlags(const MountFlags& flags,
                                                  const std::filesystem::path& cwd) {
  std::vector<MountRequest> out;
  auto add = [&](Result<MountRequest> m) -> Result<void> {
    if (!m) return std::move(m).error();
    // podman accepts the same mount given twice; only a different one on the same
    // destination is an error (ValidateMounts).
    if (std::find(out.begin(), out.end(), *m) == out.end()) out.push_back(std::move(*m));
    return Ok();
  };
  for (const auto& spec : flags.mounts) BERTH_TRY(add(ParseMountFlag(spec, cwd)));
  for (const auto& spec : flags.volumes) BERTH_TRY(add(ParseVolumeFlag(spec, cwd)));
  for (const auto& spec : flags.tmpfs) BERTH_TRY(add(ParseTmpfsFlag(spec)));
  BERTH_TRY(ValidateMounts(out));
  SortForMounting(out);
  return out;
}

void SortForMounting(std::vector<MountRequest>& mounts) {
  std::stable_sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) {
    return Depth(a.destination) < Depth(b.destination);
  });
}

std::vector<MountRequest> ImageVolumes(const std::vector<std::string>& image_volumes,
                                       const std::vector<MountRequest>& user_mounts) {
  std::set<std::string> taken;
  for (const auto& m : user_mounts) taken.insert(CleanPath(m.destination));
  std::vector<MountRequest> out;
  for (const auto& v : image_volumes) {
    std::string dest = CleanPath("/" + v);
    if (dest == "/" || !taken.insert(dest).second) continue;
    MountRequest m;
    m.type = MountRequest::Type::kVolume;
    m.destination = dest;
    m.propagation = "rprivate";
    m.options = {"nodev", "exec"};
    m.copy_up = true;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace berth::runner
