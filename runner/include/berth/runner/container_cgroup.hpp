// ContainerCgroup: the cgroup directories of one container, from creation to removal.
//
// A container's cgroup is the directory `<root>/<name>` (name e.g. "berth/<container id>")
// in every hierarchy berth uses: on v2 the one cgroup2 tree; on v1 each v1 hierarchy
// (controllers that share a hierarchy share the directory); on hybrid each v1 hierarchy plus
// the cgroup2 tree, which holds the same processes and offers cgroup.kill. Create makes the
// directories and applies a CgroupPlan (cgroup_plan.hpp); AddProcess moves a process into
// all of them; Destroy kills what is left and removes the directories.
//
// Ownership: a handle from Create owns what it made and removes it when destroyed, unless
// Release()d (the monitor keeps the cgroup while the container runs). A handle from Open
// (for `berth exec` joining a running container, or `berth rm` after a crashed monitor)
// owns nothing: its destructor leaves the cgroup alone; call Destroy() to remove it.
// Move-only; not thread-safe. Every operation but the pure accessors needs write access to
// the cgroup trees (root, or a delegated subtree).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/cgroup_layout.hpp"
#include "berth/runner/cgroup_plan.hpp"
#include "berth/runner/resource_limits.hpp"

namespace berth::runner {

class ContainerCgroup {
 public:
  // Creates `name` (relative, '/'-separated, no "." or ".." components) in every hierarchy of
  // `layout` and applies `plan`: missing parents are created too; on v2 the plan's
  // controllers are enabled in each ancestor's cgroup.subtree_control; on v1 a new cpuset
  // directory gets its parent's cpuset.cpus and cpuset.mems (it cannot hold processes
  // while they are empty); then the writes in order, then the device program if any.
  // A container directory that exists already without processes (a leftover of a crash,
  // or a test's fake tree) is taken over, as runc does. Anything made is removed again on
  // failure. Errors: kInvalidArgument for a bad name; kAlreadyExists when the container's
  // directory exists and holds processes;
  // kBusy with a hint for the v2 "no internal processes" rule; the failed mkdir or write,
  // naming the file and value.
  static Result<ContainerCgroup> Create(const CgroupLayout& layout, const std::string& name,
                                        const CgroupPlan& plan);

  // Finds the existing directories of `name` in the hierarchies of `layout`. The handle does
  // not remove anything when destroyed. Errors: kInvalidArgument for a bad name; kNotFound
  // when no hierarchy has the directory.
  static Result<ContainerCgroup> Open(const CgroupLayout& layout, const std::string& name);

  ContainerCgroup() = default;
  ContainerCgroup(ContainerCgroup&& other) noexcept;
  ContainerCgroup& operator=(ContainerCgroup&& other) noexcept;
  ContainerCgroup(const ContainerCgroup&) = delete;
  ContainerCgroup& operator=(const ContainerCgroup&) = delete;
  // Destroy()s the cgroup if this handle owns it; errors are dropped.
  ~ContainerCgroup();

  // Moves process `pid` (all its threads) into the container's directory in every hierarchy
  // (writes cgroup.procs). Errors: the failed write (ESRCH: the process is gone).
  Result<void> AddProcess(pid_t pid);

  // The processes in the cgroup (cgroup.procs of the cgroup2 directory on v2 and hybrid,
  // else of the first v1 hierarchy), in the caller's pid namespace.
  Result<std::vector<pid_t>> Processes() const;

  // Whether the kernel OOM-killed a process of the container: oom_kill > 0 in memory.events
  // (v2) or memory.oom_control (v1, kernel 4.13+). Read it after the container's init has
  // exited and before Destroy(). False when the memory controller is not in use.
  // Errors: the container's directory is gone (kNotFound), or the file cannot be read.
  Result<bool> OomKilled() const;

  // Reads back the limits the kernel applies, in ResourceLimits' terms: unlimited values are
  // unset; memory_swap is set (-1 for unlimited) only with a memory limit; cpu_shares is
  // v1's cpu.shares, or on v2 derived back from cpu.weight (approximate: 512 reads as 501);
  // cpuset_cpus is the directory's cpuset.cpus (on v1 the inherited list when none was set).
  // Controllers the container does not use leave their fields unset.
  Result<ResourceLimits> ReadLimits() const;

  // Kills every process left (cgroup.kill on the cgroup2 directory when the kernel has it,
  // and SIGKILL to each pid in every cgroup.procs until all are empty), then removes the
  // container's directories and any parent Create made, deepest first; parents still used
  // by other containers stay. Idempotent: a directory already gone is success. Errors:
  // kBusy when processes survive SIGKILL for 10 s or a directory stays busy; the failed rmdir.
  Result<void> Destroy();

  // Gives up ownership: the destructor leaves the cgroup in place. Destroy() still works.
  void Release() { owned_ = false; }

  // The container's directory in each hierarchy (v1 hierarchies first, then cgroup2), for
  // `berth inspect` and for joining. Empty after Destroy().
  std::vector<std::filesystem::path> Paths() const { return dirs_; }
  const std::string& name() const { return name_; }
  const CgroupLayout& layout() const { return layout_; }

 private:
  ContainerCgroup(CgroupLayout layout, std::string name, bool owned)
      : layout_(std::move(layout)), name_(std::move(name)), owned_(owned) {}

  // The container's directory in the hierarchy of v1 `controller`, or the cgroup2
  // directory for ""; empty when the container has none there.
  std::filesystem::path DirFor(const std::string& controller) const;
  Result<void> MakeDirs(const std::filesystem::path& root, bool cpuset,
                        const std::vector<std::string>& enable);
  Result<void> MakeDirsOnce(const std::filesystem::path& root, bool cpuset,
                            const std::vector<std::string>& enable);
  Result<void> KillAll();
  Result<void> RemoveDirs();

  CgroupLayout layout_;
  std::string name_;
  std::vector<std::filesystem::path> dirs_;     // the container's directories
  std::vector<std::filesystem::path> created_;  // parents Create made, in creation order
  bool owned_ = false;
};

}  // namespace berth::runner
