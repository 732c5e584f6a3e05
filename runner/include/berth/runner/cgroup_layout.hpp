// Which cgroup hierarchies this host has, and what they support.
//
// Hosts come in three kinds. Pure v2 (most current distributions): one cgroup2 tree holds
// every controller. Pure v1 (older hosts): one cgroup v1 mount per hierarchy, each holding one
// or more controllers ("cpu,cpuacct"). Hybrid (systemd's middle ground, and this project's
// machines): the controllers live on v1 mounts and a cgroup2 tree (usually
// /sys/fs/cgroup/unified) exists without controllers; berth puts containers there too, to
// group their processes and to kill them all at once with cgroup.kill.
//
// DetectCgroupLayout reads only a mountinfo file, so tests feed it fixture files;
// ProbeCgroupSupport looks at interface files under the mounts the layout names, so tests
// point it at fake trees in a temp dir. Both are stateless; the types are plain values.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

struct CgroupLayout {
  enum class Mode { kV1, kV2, kHybrid };
  Mode mode = Mode::kV2;
  // The cgroup2 mount point; empty on pure v1 hosts.
  fs::path unified;
  // v1 controller name ("memory", "cpu", "cpuacct", ...) to the mount point of the hierarchy
  // that holds it. Controllers that share a hierarchy map to the same path. Named
  // hierarchies without a controller ("name=systemd") are not listed.
  std::map<std::string, fs::path> v1;

  // The v1 hierarchies: each distinct mount point with its controllers, sorted by name
  // ({"/sys/fs/cgroup/cpu,cpuacct", {"cpu", "cpuacct"}}), in mount-point order.
  std::vector<std::pair<fs::path, std::vector<std::string>>> V1Hierarchies() const;

  bool operator==(const CgroupLayout&) const = default;
};

// Printable name of a mode: "v1", "v2", "hybrid".
const char* CgroupModeName(CgroupLayout::Mode mode);

// Parses a mountinfo file (proc(5)) and returns the cgroup layout it describes: cgroup2
// mounts and cgroup v1 mounts with the controllers in their super options. When a
// controller or the cgroup2 tree is mounted more than once, the first mount of the
// hierarchy's root ("/" in the fourth field) wins, else the first mount. The mode is kV2
// with no v1 controller, kV1 without a cgroup2 mount and kHybrid with both.
// Errors: kNotFound when no cgroup filesystem is mounted, kInvalidArgument naming the line
// for a malformed line, and the errors of reading the file. Needs no privileges.
Result<CgroupLayout> DetectCgroupLayout(const fs::path& mountinfo = "/proc/self/mountinfo");

// What a layout can enforce, for planning (cgroup_plan.hpp).
struct CgroupSupport {
  // Controllers that limits may use: on v1 and hybrid the mounted v1 controllers, on v2 the
  // controllers listed in the root's cgroup.controllers.
  std::set<std::string> controllers;
  // Swap accounting: v1 has memory.memsw.limit_in_bytes (kernel built with swap accounting
  // and not booted with swapaccount=0); v2 has the memory controller.
  bool swap = false;
  // CFS bandwidth control (--cpus): v1 has cpu.cfs_quota_us; v2 has the cpu controller.
  bool cpu_quota = false;

  bool operator==(const CgroupSupport&) const = default;
};

// Looks at the hierarchy roots named by `layout` (v2: <unified>/cgroup.controllers; v1: the
// memory and cpu roots' interface files). Errors: those of reading cgroup.controllers on v2.
// Needs no privileges.
Result<CgroupSupport> ProbeCgroupSupport(const CgroupLayout& layout);

}  // namespace berth::runner
