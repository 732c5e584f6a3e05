// Resource limits of a container (`berth run -m/--memory, --memory-swap, --cpus,
// --cpu-shares, --cpuset-cpus, --pids-limit`) and the parsers the CLI uses for those flags.
//
// The values mean what they mean to docker and podman: memory sizes are bytes, memory_swap
// is memory plus swap (-1: unlimited swap), cpus is a number of CPUs' worth of time per
// period, cpu_shares is the v1 relative weight (2..262144, 1024 is the default), cpuset_cpus
// is a kernel CPU list ("0-2,4"), pids_limit <= 0 means unlimited. An unset field means "no
// limit": nothing is written for it. Turning limits into cgroup writes is cgroup_plan.hpp's
// job. Plain values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::runner {

struct ResourceLimits {
  std::optional<int64_t> memory;       // bytes; 0 means unlimited (as docker)
  std::optional<int64_t> memory_swap;  // memory + swap in bytes; -1: unlimited swap
  std::optional<double> cpus;          // e.g. 1.5
  std::optional<uint64_t> cpu_shares;  // 0 means the default
  std::optional<std::string> cpuset_cpus;
  std::optional<int64_t> pids_limit;  // <= 0: unlimited

  bool operator==(const ResourceLimits&) const = default;
};

// docker's smallest memory limit (podman: "minimum memory limit allowed is 6MB").
inline constexpr int64_t kMinMemoryLimit = 6 << 20;
// The kernel's range for cpu.shares (v1).
inline constexpr uint64_t kMinCpuShares = 2;
inline constexpr uint64_t kMaxCpuShares = 262144;

// Parses a size as docker's RAMInBytes does: a decimal number, an optional space, and an
// optional unit b, k, m, g, t or p (any case, powers of 1024), optionally followed by "i"
// and/or "b" ("512m", "1.5g", "64MiB", "100"). Errors: kInvalidArgument naming the text
// (also for a size that does not fit in int64).
Result<int64_t> ParseMemoryBytes(std::string_view text);

// --memory-swap: a size as ParseMemoryBytes, or "-1" for unlimited swap.
Result<int64_t> ParseMemorySwap(std::string_view text);

// --cpus: a positive decimal number with at most 9 decimal places ("0.5", "2").
// Errors: kInvalidArgument naming the text.
Result<double> ParseCpus(std::string_view text);

// --cpu-shares and --pids-limit: decimal integers. Errors: kInvalidArgument naming the text.
Result<uint64_t> ParseCpuShares(std::string_view text);
Result<int64_t> ParsePidsLimit(std::string_view text);

// Parses a kernel CPU list ("0-2,4,7") into sorted, distinct CPU numbers.
// Errors: kInvalidArgument naming the text (empty list, reversed range, not a number).
Result<std::vector<int>> ParseCpuList(std::string_view text);

// Checks the limits together, as docker and podman do before creating anything:
// memory 0 or >= 6 MiB; memory_swap only with memory, and -1 or >= memory; cpus in
// [0.01, online_cpus]; cpuset_cpus a valid list of CPUs below online_cpus.
// `online_cpus` is the number of CPUs the container could use (sysconf(_SC_NPROCESSORS_ONLN)).
// Errors: kInvalidArgument with a message that names the flag.
Result<void> ValidateResourceLimits(const ResourceLimits& limits, int online_cpus);

}  // namespace berth::runner
