// Resource limits of a container process (--ulimit), as Docker spells them.
//
// A `Ulimit` is one resource with its soft and hard limit ("nofile=1024:2048"). The parent
// parses the flags (ParseUlimit) and checks them against its own limits (CheckUlimits): only
// a process with CAP_SYS_RESOURCE may raise a hard limit, so a request above the caller's hard
// limit fails early with a clear message instead of EPERM in the child. The child applies the
// prepared array with ApplyUlimits (no allocation, no exceptions, returns an errno); it must
// run before the capabilities are dropped when it raises anything (CAP_SYS_RESOURCE), and
// RLIMIT_NPROC is enforced at execve. Value types; thread-compatible.
#pragma once

#include <sys/resource.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::runner {

// RLIM_INFINITY; written "-1" on the command line.
inline constexpr uint64_t kUnlimited = RLIM_INFINITY;

struct Ulimit {
  int resource = 0;  // RLIMIT_NOFILE, ...
  uint64_t soft = 0;
  uint64_t hard = 0;

  // Docker's name of `resource` ("nofile"), or "resource <n>".
  std::string Name() const;
  // "nofile=1024:2048", "-1" for unlimited.
  std::string ToString() const;
  friend bool operator==(const Ulimit&, const Ulimit&) = default;
};

std::ostream& operator<<(std::ostream& out, const Ulimit& limit);

// Parses "<name>=<soft>[:<hard>]" (hard defaults to soft; -1 means unlimited). Names are
// Docker's: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss,
// rtprio, rttime, sigpending, stack. kInvalidArgument names the bad part: an unknown name, a
// value that is not a number, soft above hard.
Result<Ulimit> ParseUlimit(std::string_view text);

// Checks one request against the caller's own limits: without CAP_SYS_RESOURCE the hard limit
// may not exceed `caller.rlim_max`. kPermissionDenied reads like
//   ulimit nofile: hard limit 30000 exceeds the caller's hard limit 20000 (berth lacks
//   CAP_SYS_RESOURCE)
// Pure; no syscalls.
Result<void> CheckUlimit(const Ulimit& limit, const rlimit& caller, bool has_sys_resource);

// CheckUlimit for each entry against this process's limits (getrlimit) and its effective
// CAP_SYS_RESOURCE (capget). Also rejects one resource given twice.
Result<void> CheckUlimits(const std::vector<Ulimit>& limits);

// Podman's defaults for the limits a container did not ask for: RLIMIT_NOFILE 1048576 and
// RLIMIT_NPROC 4194304, soft and hard. Without CAP_SYS_RESOURCE (`has_sys_resource` false)
// each is lowered to the caller's hard limit (`caller_nofile`, `caller_nproc`), so a default
// never fails in the child where the caller could not raise it. Returns `requested` followed
// by the defaults for the resources it does not set. Pure.
std::vector<Ulimit> WithDefaultUlimits(std::vector<Ulimit> requested, const rlimit& caller_nofile,
                                       const rlimit& caller_nproc, bool has_sys_resource);
// The same against this process's limits and effective CAP_SYS_RESOURCE.
Result<std::vector<Ulimit>> WithDefaultUlimits(std::vector<Ulimit> requested);

// Child side: setrlimit for each of the `count` entries, in order. Returns 0 or the errno of
// the first failure; `*failed_index` (if not null) is then the entry's index.
int ApplyUlimits(const Ulimit* limits, size_t count, size_t* failed_index) noexcept;

}  // namespace berth::runner
