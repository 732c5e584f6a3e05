// What a container sees at /sys/fs/cgroup, as data for the code that sets up its mounts.
//
// The container runs in its own cgroup namespace, so a cgroup filesystem mounted inside it
// shows the container's cgroup as the root of each hierarchy. The layout follows the host's:
//   v2:      one cgroup2 mount on /sys/fs/cgroup;
//   v1:      a tmpfs on /sys/fs/cgroup, one cgroup mount per v1 hierarchy in a directory
//            named after its controllers ("cpu,cpuacct", mount data "cpu,cpuacct", which the
//            kernel requires to match the host hierarchy exactly), symlinks from each
//            controller of a shared hierarchy ("cpu" -> "cpu,cpuacct") as hosts have them,
//            then the tmpfs remounted read-only;
//   hybrid:  as v1, plus the cgroup2 tree at "unified".
// Every cgroup mount is read-only, nosuid, nodev, noexec (as docker's /sys/fs/cgroup).
// Named v1 hierarchies (name=systemd) are not mounted. Plain values; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "berth/runner/cgroup_layout.hpp"

namespace berth::runner {

struct CgroupMount {
  enum class Kind {
    kMount,    // mkdir target, then mount(source, target, fstype, flags, data)
    kSymlink,  // symlink(link_to, target)
    // mount(source, target, fstype, MS_REMOUNT | flags, data) on the tmpfs; flags include
    // MS_RDONLY. Comes after every mount and symlink under it.
    kRemountReadOnly,
  };
  Kind kind = Kind::kMount;
  // Relative to the container's /sys/fs/cgroup; "" is /sys/fs/cgroup itself.
  std::filesystem::path target;
  std::string fstype;       // "cgroup2", "cgroup", "tmpfs"
  std::string source;       // the same as fstype
  unsigned long flags = 0;  // MS_* flags
  std::string data;         // "cpu,cpuacct", "mode=755"
  std::string link_to;      // kSymlink: "cpu,cpuacct"

  bool operator==(const CgroupMount&) const = default;
};

// The mounts, symlinks and remount for /sys/fs/cgroup in a container on `layout`, in the
// order to apply them. Pure.
std::vector<CgroupMount> PlanCgroupMounts(const CgroupLayout& layout);

}  // namespace berth::runner
