// The in-memory form of a seccomp profile, shared by berth's default profile and the JSON
// parser, and its compilation to BPF with libseccomp. Private to the runner.
//
// The model follows the Docker/podman profile format: rules name syscalls, an action and
// argument conditions, and may apply only when the container holds some capabilities, runs
// on some architectures or on a recent enough kernel (includes), or not when it holds or
// runs on them (excludes). Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/capabilities.hpp"
#include "berth/runner/seccomp.hpp"

namespace berth::runner::seccomp {

struct Action {
  enum class Kind { kAllow, kErrno, kKillThread, kKillProcess, kTrap, kTrace, kLog };
  Kind kind = Kind::kAllow;
  uint32_t value = 0;  // the errno for kErrno, the message for kTrace
  friend bool operator==(const Action&, const Action&) = default;
};

enum class CompareOp {
  kNotEqual,
  kLess,
  kLessOrEqual,
  kEqual,
  kGreaterOrEqual,
  kGreater,
  kMaskedEqual
};

// One argument condition. For kMaskedEqual, `value` is the mask and `value_two` the
// expected result of (arg & mask), as in the OCI runtime spec.
struct ArgCondition {
  unsigned index = 0;  // 0..5
  uint64_t value = 0;
  uint64_t value_two = 0;
  CompareOp op = CompareOp::kEqual;
};

// When a rule applies. caps: capability numbers (-1 for a name berth does not know, which a
// container never holds); arches: Go architecture names ("amd64", "arm64", "s390x").
struct Filter {
  std::vector<int> caps;
  std::vector<std::string> arches;
  std::optional<KernelVersion> min_kernel;
};

struct SyscallRule {
  std::vector<std::string> names;
  Action action;
  std::vector<ArgCondition> args;
  Filter includes;  // applies only if every cap is held, the arch is listed, kernel >= min
  Filter excludes;  // skipped if any cap is held, the arch is listed, or kernel >= min
};

// libseccomp architecture tokens (SCMP_ARCH_*).
struct ArchMapEntry {
  uint32_t arch = 0;
  std::vector<uint32_t> sub_arches;
};

struct Profile {
  Action default_action{Action::Kind::kErrno, 1};  // EPERM
  std::vector<uint32_t> architectures;             // legacy "architectures"
  std::vector<ArchMapEntry> arch_map;              // "archMap"; the native entry is used
  uint32_t flags = 0;                              // SECCOMP_FILTER_FLAG_*
  std::vector<SyscallRule> syscalls;
};

// berth's default profile (seccomp_default_profile.cpp).
Profile DefaultProfile();

// Parses a Docker/podman JSON profile (seccomp_json.cpp). kInvalidArgument names the field.
Result<Profile> ParseProfileJson(std::string_view json);

// Compiles `profile` for a container with bounding set `caps` on the running architecture
// (seccomp_compile.cpp).
Result<SeccompProgram> Compile(const Profile& profile, const CapabilitySet& caps,
                               KernelVersion kernel);

// The Go name of the native architecture ("amd64"), as includes/excludes "arches" spell it.
std::string_view NativeGoArch();

}  // namespace berth::runner::seccomp
