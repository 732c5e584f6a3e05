// Planning a container's cgroup: which interface files get which values, as data.
//
// PlanCgroup is pure: it turns resource limits and device rules into the writes that
// ContainerCgroup::Create (container_cgroup.hpp) carries out in the container's cgroup
// directories, so every value can be unit-tested without a kernel. What differs between
// the backends:
//   limit          cgroup v1 (per controller)                 cgroup v2 (one directory)
//   --memory       memory.limit_in_bytes                      memory.max
//   --memory-swap  memory.memsw.limit_in_bytes (mem + swap)   memory.swap.max (swap only)
//   --cpus         cpu.cfs_period_us 100000, cpu.cfs_quota_us cpu.max "<quota> 100000"
//   --cpu-shares   cpu.shares                                 cpu.weight (crun's conversion)
//   --cpuset-cpus  cpuset.cpus                                cpuset.cpus
//   --pids-limit   pids.max                                   pids.max
//   devices        devices.deny "a", devices.allow ...        an eBPF program
// As with docker and podman, --memory without --memory-swap allows as much swap as memory
// (memory + swap = 2 x memory) where swap is accounted. Plain values; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/cgroup_layout.hpp"
#include "berth/runner/device_rules.hpp"
#include "berth/runner/resource_limits.hpp"

namespace berth::runner {

// One write into the container's cgroup directory of one hierarchy.
struct CgroupWrite {
  // v1 and hybrid: the controller whose hierarchy holds the file ("memory"); v2: "".
  std::string controller;
  std::string file;   // "memory.max"
  std::string value;  // "67108864"

  bool operator==(const CgroupWrite&) const = default;
};

struct CgroupPlan {
  // In order: the kernel checks some values against others already written (memsw >= memory).
  std::vector<CgroupWrite> writes;
  // v2: the controllers to enable (cgroup.subtree_control) in every ancestor of the
  // container's directory, so its interface files exist. Empty on v1 and hybrid.
  std::vector<std::string> enable_controllers;
  // Rules to load as an eBPF program on the container's cgroup v2 directory (v2, or a
  // hybrid host without a v1 devices controller); empty when the writes carry them.
  std::vector<DeviceRule> bpf_device_rules;
  // Limits that were asked for but cannot be enforced and were dropped (only --memory-swap
  // without swap accounting, as docker and podman do); for the CLI to print.
  std::vector<std::string> warnings;

  bool operator==(const CgroupPlan&) const = default;
};

// Plans the cgroup of a container with `limits` (already checked by ValidateResourceLimits)
// and `devices` (empty: no device restriction) on `layout`, given what `support` says the
// host can enforce. Pure. Errors: kUnsupported naming the flag and the controller when a
// limit needs a controller the host lacks (podman fails the same way), or when devices are
// given and neither a v1 devices controller nor a cgroup2 tree exists.
Result<CgroupPlan> PlanCgroup(const CgroupLayout& layout, const CgroupSupport& support,
                              const ResourceLimits& limits, const std::vector<DeviceRule>& devices);

// The v2 cpu.weight for a v1 cpu.shares value: 1 + ((shares - 2) * 9999) / 262142, with
// shares clamped to [2, 262144] (crun's conversion; 1024 -> 39).
uint64_t CpuWeightFromShares(uint64_t shares);

}  // namespace berth::runner
