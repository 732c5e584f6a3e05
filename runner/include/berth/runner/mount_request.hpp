// MountRequest: what the user asked to mount into a container (`-v`, `--mount`, `--tmpfs`)
// and what an image's VOLUME entries add, as data. Parsing never touches the filesystem and
// never creates volumes; the runner resolves volume names through VolumeStore and mounts.
//
// The flags follow podman:
//   -v, --volume   [HOST-DIR|VOLUME-NAME:]CTR-DIR[:OPTIONS]
//                  HOST-DIR starts with "/" or "." (relative ones are made absolute against the
//                  caller's working directory); anything else is a volume name; CTR-DIR alone
//                  is an anonymous volume. OPTIONS: ro|rw, z|Z (accepted, ignored: no
//                  SELinux), U, [r]shared|[r]slave|[r]private|[r]unbindable, bind|rbind,
//                  copy|nocopy, exec|noexec, suid|nosuid, dev|nodev, cached|delegated
//                  (ignored).
//   --mount        type=bind|volume|tmpfs,KEY[=VALUE],... (CSV, so a value may be quoted):
//                  src|source, dst|destination|target, ro|readonly[=true|false],
//                  rw[=true|false], bind-propagation=P, bind-nonrecursive, volume-nocopy,
//                  tmpfs-size=N[kmgtpe], tmpfs-mode=OCTAL, tmpcopyup|notmpcopyup, U|chown,
//                  z|Z|relabel=... (ignored), consistency (ignored), exec|noexec,
//                  suid|nosuid, dev|nodev and the propagation words.
//   --tmpfs        CTR-DIR[:OPTIONS] with OPTIONS size=N[kmgtpe], mode=OCTAL, ro|rw,
//                  exec|noexec, suid|nosuid, dev|nodev, uid=N, gid=N, nr_inodes=N, noatime,
//                  tmpcopyup|notmpcopyup and the propagation words. Without OPTIONS a tmpfs
//                  gets podman's defaults noexec,nosuid,nodev.
// Overlay volumes (:O), idmapped mounts, subpaths and volume driver options are refused
// with kUnsupported; every other unknown option with kInvalidArgument naming it.
//
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::runner {

struct MountRequest {
  enum class Type { kBind, kVolume, kTmpfs };
  Type type = Type::kBind;
  // kBind: an absolute, cleaned host path. kVolume: a volume name, or empty for a new
  // anonymous volume. kTmpfs: empty.
  std::string source;
  std::string destination;  // absolute and cleaned ("/a/b", never "/a/b/" or "/a/./b")
  bool read_only = false;
  // Propagation of the mount in the container: "rprivate" (the default), "private",
  // "rshared", "shared", "rslave", "slave", "runbindable" or "unbindable".
  std::string propagation = "rprivate";
  std::optional<int64_t> tmpfs_size;   // bytes; kTmpfs only (absent: the kernel's default)
  std::optional<uint32_t> tmpfs_mode;  // kTmpfs only (absent: the kernel's 01777)
  // Further mount flags, each at most once, from this closed set:
  //   "nosuid" "suid" "nodev" "dev" "noexec" "exec"  -- the flag, as given
  //   "bind"        kBind/kVolume: bind non-recursively (the default is recursive)
  //   "U"           chown the source to the container's user and group first (podman :U)
  //   "uid=N" "gid=N" "nr_inodes=N" "noatime"       kTmpfs only, passed to the kernel
  std::vector<std::string> options;
  // Copy what the image has at `destination` into the mount before the container starts:
  // for kVolume (default on; "nocopy"/"volume-nocopy" turn it off) only while the volume's
  // needs_copy_up is set and its _data is empty, then VolumeStore::MarkCopiedUp; for kTmpfs
  // (podman's tmpcopyup, default on) every time. Never set for kBind.
  bool copy_up = false;

  bool operator==(const MountRequest&) const = default;
  // The request in --mount syntax, for messages and test output.
  std::string ToString() const;
};

std::ostream& operator<<(std::ostream& os, const MountRequest& m);

// "bind", "volume" or "tmpfs", as --mount type= spells them.
std::string_view MountTypeName(MountRequest::Type t);

// Each flag's value, as the user typed it.
struct MountFlags {
  std::vector<std::string> volumes;  // -v / --volume
  std::vector<std::string> mounts;   // --mount
  std::vector<std::string> tmpfs;    // --tmpfs
};

// Parse one flag value. `cwd` (absolute) resolves relative host paths. kInvalidArgument
// ("invalid volume spec 'x': ...", "invalid mount spec ...", "invalid tmpfs spec ...")
// naming the value and the bad part; kUnsupported for podman features berth lacks.
Result<MountRequest> ParseVolumeFlag(std::string_view spec, const std::filesystem::path& cwd);
Result<MountRequest> ParseMountFlag(std::string_view spec, const std::filesystem::path& cwd);
Result<MountRequest> ParseTmpfsFlag(std::string_view spec);

// Parses all of a command's mount flags (--mount, then -v, then --tmpfs), drops exact
// repeats as podman does, checks the result with ValidateMounts and orders it with
// SortForMounting.
Result<std::vector<MountRequest>> ParseMountFlags(const MountFlags& flags,
                                                  const std::filesystem::path& cwd);

// Checks a container's mounts together: every destination absolute and not "/", each
// destination used once ("duplicate mount destination '/x'"), bind sources absolute, volume
// names valid, no source for tmpfs and tmpfs size/mode only on tmpfs. kInvalidArgument.
Result<void> ValidateMounts(const std::vector<MountRequest>& mounts);

// Orders mounts so that a mount comes after every mount whose destination contains it
// ("/a" before "/a/b"), keeping the given order otherwise (stable), as podman does.
void SortForMounting(std::vector<MountRequest>& mounts);

// The anonymous volumes a container gets for its image's VOLUME entries (`Config.Volumes`):
// one kVolume request with an empty source and copy_up set per entry whose cleaned path no
// user mount has as its destination (podman's default image_volume_mode "anonymous"). A
// relative entry is taken from "/"; "/" itself is skipped. Options are podman's: rprivate,
// rw, nodev, exec.
std::vector<MountRequest> ImageVolumes(const std::vector<std::string>& image_volumes,
                                       const std::vector<MountRequest>& user_mounts);

// A path with "//", "." and ".." resolved lexically and no trailing "/" (Go's path.Clean;
// "" becomes "."). Exposed for tests.
std::string CleanPath(std::string_view path);

}  // namespace berth::runner
