#include "berth/runner/seccomp.hpp"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "seccomp_profile.hpp"

namespace berth::runner {

namespace {

KernelVersion KernelFor(const SeccompCompileOptions& options) {
  return options.kernel ? *options.kernel : RunningKernelVersion();
}

// Profiles are small; a larger file is a mistake, not a profile.
constexpr uint64_t kMaxProfileBytes = 4 << 20;

}  // namespace

KernelVersion RunningKernelVersion() {
  utsname uts{};
  KernelVersion v;
  if (::uname(&uts) != 0 || std::sscanf(uts.release, "%d.%d", &v.major, &v.minor) != 2) {
    return {};
  }
  return v;
}

Result<SeccompProgram> CompileDefaultSeccomp(const CapabilitySet& caps,
                                             const SeccompCompileOptions& options) {
  auto program = seccomp::Compile(seccomp::DefaultProfile(), caps, KernelFor(options));
  if (!program) return program.error().Context("compile the default seccomp profile");
  return program;
}

Result<SeccompProgram> CompileSeccompProfileJson(std::string_view json, const CapabilitySet& caps,
                                                 const SeccompCompileOptions& options) {
  BERTH_ASSIGN_OR_RETURN(seccomp::Profile profile, seccomp::ParseProfileJson(json));
  return seccomp::Compile(profile, caps, KernelFor(options));
}

Result<SeccompProgram> CompileSeccompProfileFile(const fs::path& json, const CapabilitySet& caps,
                                                 const SeccompCompileOptions& options) {
  const std::string what = "seccomp profile " + Quote(json.string());
  auto text = ReadFile(json, kMaxProfileBytes);
  if (!text) return text.error().Context("read " + what);
  auto program = CompileSeccompProfileJson(*text, caps, options);
  if (!program) return program.error().Context(what);
  return program;
}

Result<SeccompOption> ParseSeccompOption(std::string_view value) {
  if (value.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "--security-opt seccomp: empty value",
                     "use seccomp=unconfined or seccomp=/path/to/profile.json");
  }
  if (value == "unconfined") return SeccompOption{SeccompOption::Kind::kUnconfined, {}};
  return SeccompOption{SeccompOption::Kind::kProfileFile, fs::path(value)};
}

Result<std::optional<SeccompProgram>> PrepareSeccomp(const SeccompOption& option,
                                                     const CapabilitySet& caps, bool privileged,
                                                     const SeccompCompileOptions& compile) {
  if (privileged || option.kind == SeccompOption::Kind::kUnconfined) {
    return std::optional<SeccompProgram>();
  }
  auto program = option.kind == SeccompOption::Kind::kProfileFile
                     ? CompileSeccompProfileFile(option.file, caps, compile)
                     : CompileDefaultSeccomp(caps, compile);
  if (!program) return std::move(program).error();
  return std::optional<SeccompProgram>(std::move(*program));
}

int SetNoNewPrivs() noexcept { return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : errno; }

int InstallSeccomp(const SeccompProgram& program) noexcept {
  if (program.filter.empty() || program.filter.size() > BPF_MAXINSNS) return EINVAL;
  sock_fprog prog{static_cast<unsigned short>(program.filter.size()),
                  const_cast<sock_filter*>(program.filter.data())};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &prog) == 0) return 0;
  // seccomp(2) arrived in Linux 3.17; flags need it, a plain filter does not.
  if (errno == ENOSYS && program.flags == 0 &&
      ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0) {
    return 0;
  }
  return errno;
}

}  // namespace berth::runner
