// ContainerPlan: everything the clone child does, decided in advance as data.
//
// BuildPlan() turns the options of `berth run` into the namespaces to create, the
// filesystem steps inside the new root (proc, /dev and its nodes, sysfs, the files berth
// provides, volumes), the paths to mask after pivot_root, the hostname and the process to
// execute. It is pure, so tests check a plan without root; container_setup.hpp carries one
// out in the child. Strings in a plan are complete before clone(2): the child only passes
// their c_str() to system calls. Value type.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "berth/runner/cgroup_mounts.hpp"
#include "berth/runner/privileges.hpp"
#include "berth/runner/process.hpp"

namespace berth::runner {

// One filesystem step inside the container root, before pivot_root. `target` is a path in
// the container ("/dev/pts"); missing directories on the way are created inside the root
// (never following a symlink out of it), and the target itself is created as a directory,
// or as an empty file when `file` is set.
struct RootfsStep {
  enum class Kind { kMount, kBind, kMknod, kSymlink };
  Kind kind = Kind::kMount;
  std::string target;
  std::string source;       // kMount: fs source; kBind: absolute host path; kSymlink: link text
  std::string fstype;       // kMount
  unsigned long flags = 0;  // kMount: mount flags; kBind: MS_RDONLY/MS_NOSUID/... for the remount
  std::string data;         // kMount: options
  mode_t mode = 0;          // kMknod: S_IFCHR | permissions
  dev_t dev = 0;            // kMknod
  bool file = false;        // the mountpoint is a file (binds of files, /dev/console)
  bool no_symlink = false;  // refuse if any component of target is a symlink (/proc, /sys)
  bool recursive = false;   // kBind: MS_REC
  std::string propagation;  // kBind: "", "private", "rprivate", "shared", "slave", ...
  bool operator==(const RootfsStep&) const = default;
};

enum class NetworkMode { kNone, kHost };

struct ContainerPlan {
  int clone_flags = 0;            // CLONE_NEW* given to clone(2)
  bool cgroup_namespace = false;  // unshared by the child once it is in its cgroup
  std::string rootfs;             // host path of the mounted root (the overlay's merged dir)
  std::vector<RootfsStep> rootfs_steps;
  std::vector<std::string> masked_paths;    // after pivot_root; missing ones are skipped
  std::vector<std::string> readonly_paths;  // after pivot_root; missing ones are skipped
  bool read_only_root = false;
  std::string hostname;
  bool loopback_up = false;  // bring `lo` up in a new network namespace
  // SIGKILL the container when the process that launched it dies (foreground runs); a
  // detached container outlives its launcher and belongs to berth-monitor.
  bool die_with_parent = false;
  // -t: the program gets a new pty of the container's devpts as controlling terminal and
  // stdio, /dev/console is that pty, and the master goes to berth (console.hpp).
  bool terminal = false;
  ProcessSpec process;
  Privileges privileges;
  std::vector<std::string> exec_candidates;  // absolute paths tried in order by execve
};

struct PlanInput {
  std::string rootfs;
  std::string hostname;
  NetworkMode network = NetworkMode::kNone;
  bool read_only = false;
  bool privileged = false;
  bool terminal = false;  // -t
  // Files berth provides, bound read-write over the image's (podman does the same):
  std::string etc_hostname;  // host paths; empty = not provided
  std::string etc_hosts;
  std::string etc_resolv_conf;
  std::vector<CgroupMount> cgroup_mounts;  // /sys/fs/cgroup, relative to it (cgroup_mounts.hpp)
  std::vector<RootfsStep> volumes;         // bind and tmpfs mounts from -v, --mount, --tmpfs
  ProcessSpec process;
};

// Docker's default masked and read-only paths (REFERENCE.md section 3).
const std::vector<std::string>& DefaultMaskedPaths();
const std::vector<std::string>& DefaultReadonlyPaths();

// Builds the plan. Pure; never fails (input validation happens where the input is parsed).
ContainerPlan BuildPlan(const PlanInput& in);

}  // namespace berth::runner
