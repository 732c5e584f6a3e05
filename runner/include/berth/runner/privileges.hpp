// Privileges: what a container's processes may do, prepared in the parent and applied in the
// child (the first process, or one started by `berth exec`).
//
// PreparePrivileges resolves --cap-add/--cap-drop/--privileged, the seccomp choice
// (compiling Docker's default profile costs ~50 ms, so compiled programs are cached in the
// store, keyed by the capability set, the kernel and berth's version) and the ulimits
// (podman's defaults, never above the caller's hard limits without CAP_SYS_RESOURCE).
// The two Apply functions run in the child, around its change of ids, and allocate nothing.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/capabilities.hpp"
#include "berth/runner/rlimits.hpp"
#include "berth/runner/seccomp.hpp"

namespace berth::runner {

struct PrivilegeOptions {
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  std::string seccomp = "";          // --security-opt seccomp=VALUE ("" = default profile)
  std::vector<std::string> ulimits;  // --ulimit NAME=SOFT[:HARD]
  bool privileged = false;
};

struct Privileges {
  CapabilitySet caps;
  int last_cap = 0;
  bool no_new_privs = true;
  std::optional<SeccompProgram> seccomp;
  std::vector<Ulimit> ulimits;
};

// `cache_dir` (may be empty: no cache) holds compiled seccomp programs.
Result<Privileges> PreparePrivileges(const PrivilegeOptions& options,
                                     const std::filesystem::path& cache_dir);

// Before the ids change: ulimits, no_new_privs, the bounding set. 0 or an errno; `*step`
// names what failed.
int ApplyPrivilegesBeforeIds(const Privileges& p, const char** step) noexcept;
// After the ids change, last before execve: capability sets, then the seccomp filter.
int ApplyPrivilegesAfterIds(const Privileges& p, bool is_root, const char** step) noexcept;

}  // namespace berth::runner
