// Seccomp filters for container processes, and no_new_privs.
//
// A `SeccompProgram` is a classic BPF program ready for seccomp(SECCOMP_SET_MODE_FILTER).
// The parent compiles it with libseccomp from a profile: berth's default (an allow-list with
// the effect of Docker's default profile; see seccomp_default_profile.cpp) or a JSON profile
// in Docker/podman format (--security-opt seccomp=FILE). `--security-opt seccomp=unconfined`
// and --privileged mean no filter, which is an empty std::optional (PrepareSeccomp).
//
// Which syscalls a profile allows can depend on the container's capabilities (CAP_SYS_ADMIN
// allows mount, unshare, setns, clone with namespace flags ...), so a program is compiled
// for one CapabilitySet (its bounding set, as Docker does). Syscall names that this
// libseccomp cannot resolve are skipped. As runc does, syscall numbers above the highest
// number the profile names for an architecture get ENOSYS rather than the default action,
// so programs probing a syscall newer than the profile fall back instead of failing.
//
// The child only installs the prepared program: SetNoNewPrivs, then InstallSeccomp as late as
// possible before execve (after the id and capability changes, so the filter need not allow
// them). Without CAP_SYS_ADMIN the kernel accepts a filter only after no_new_privs (EACCES).
// Child-side functions allocate nothing, never throw, and return an errno. SeccompProgram is
// a value type; everything here is thread-compatible.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/capabilities.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

struct SeccompProgram {
  std::vector<sock_filter> filter;
  // SECCOMP_FILTER_FLAG_* for seccomp(2), from a JSON profile's "flags" (LOG, SPEC_ALLOW).
  uint32_t flags = 0;
};

// The kernel version that "minKernel" conditions compare against.
struct KernelVersion {
  int major = 0;
  int minor = 0;
  friend auto operator<=>(const KernelVersion&, const KernelVersion&) = default;
};

// The running kernel's version (uname); {0, 0} if it cannot be parsed.
KernelVersion RunningKernelVersion();

struct SeccompCompileOptions {
  // Compared with "minKernel"; the running kernel when unset.
  std::optional<KernelVersion> kernel;
};

// berth's default profile for a container with bounding set `caps`. kInternal if libseccomp
// fails (it should not).
Result<SeccompProgram> CompileDefaultSeccomp(const CapabilitySet& caps,
                                             const SeccompCompileOptions& options = {});

// A Docker/podman JSON profile: defaultAction, defaultErrnoRet, architectures / archMap,
// flags, syscalls[] with names (or name), action, errnoRet, args [{index, value, valueTwo,
// op}], includes / excludes {caps, arches, minKernel}. kInvalidArgument names the bad field
// ("syscalls[3].args[0].op: unknown operator 'SCMP_CMP_FOO'"); kUnsupported for
// SCMP_ACT_NOTIFY and listenerPath (no seccomp agent).
Result<SeccompProgram> CompileSeccompProfileJson(std::string_view json, const CapabilitySet& caps,
                                                 const SeccompCompileOptions& options = {});
// CompileSeccompProfileJson of a file; errors carry the path.
Result<SeccompProgram> CompileSeccompProfileFile(const fs::path& json, const CapabilitySet& caps,
                                                 const SeccompCompileOptions& options = {});

// What --security-opt seccomp=VALUE asked for.
struct SeccompOption {
  enum class Kind { kDefault, kUnconfined, kProfileFile };
  Kind kind = Kind::kDefault;
  fs::path file;  // for kProfileFile
};

// Parses VALUE of --security-opt seccomp=VALUE: "unconfined" or a profile path.
// kInvalidArgument for an empty value.
Result<SeccompOption> ParseSeccompOption(std::string_view value);

// The program to install, or std::nullopt for none: unconfined, or privileged (Docker runs
// privileged containers without a filter whatever the option says).
Result<std::optional<SeccompProgram>> PrepareSeccomp(const SeccompOption& option,
                                                     const CapabilitySet& caps, bool privileged,
                                                     const SeccompCompileOptions& compile = {});

// Child side: prctl(PR_SET_NO_NEW_PRIVS, 1). Returns 0 or the errno.
int SetNoNewPrivs() noexcept;

// Child side: installs `program` on the calling thread (seccomp(2), falling back to
// prctl(PR_SET_SECCOMP) where seccomp(2) is missing). Returns 0 or the errno: EACCES without
// no_new_privs and without CAP_SYS_ADMIN, EINVAL for an empty program.
int InstallSeccomp(const SeccompProgram& program) noexcept;

}  // namespace berth::runner
