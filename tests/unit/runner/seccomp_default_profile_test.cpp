// berth's default seccomp profile, compiled and then run through a BPF interpreter
// (tests/support/seccomp_bpf.hpp): what the filter would decide, without installing it.

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <map>
#include <tuple>

#include "berth/runner/capabilities.hpp"
#include "berth/runner/seccomp.hpp"
#include "support/seccomp_bpf.hpp"

namespace berth::runner {
namespace {

using testing::EvaluateSeccomp;

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kErrno = SECCOMP_RET_ERRNO;
constexpr uint32_t kX32 = 0x40000000;
constexpr KernelVersion kModernKernel{6, 1};

// Tests that name x86_64 syscall numbers run only there.
#define SKIP_UNLESS_X86_64()                                        \
  do {                                                              \
    if (!kIsX86_64) GTEST_SKIP() << "syscall numbers are x86_64's"; \
  } while (0)
#if defined(__x86_64__)
constexpr bool kIsX86_64 = true;
#else
constexpr bool kIsX86_64 = false;
#endif

class DefaultSeccompTest : public ::testing::Test {
 protected:
  // The verdict of the default profile compiled for `caps` on x86_64.
  static testing::SeccompVerdict Run(const CapabilitySet& caps, int nr,
                                     std::initializer_list<uint64_t> args = {},
                                     uint32_t arch = AUDIT_ARCH_X86_64,
                                     KernelVersion kernel = kModernKernel) {
    const std::vector<sock_filter>* program = Compiled(caps, kernel);
    if (program == nullptr) return {};
    auto verdict = EvaluateSeccomp(*program, arch, nr, args);
    EXPECT_EQ(verdict.error, "");
    return verdict;
  }
  static void ExpectErrno(const CapabilitySet& caps, int nr, int err, const char* what,
                          std::initializer_list<uint64_t> args = {},
                          uint32_t arch = AUDIT_ARCH_X86_64) {
    auto v = Run(caps, nr, args, arch);
    EXPECT_EQ(v.action(), kErrno) << what << " verdict " << std::hex << v.value;
    EXPECT_EQ(v.data(), static_cast<uint32_t>(err)) << what;
  }
  static void ExpectAllowed(const CapabilitySet& caps, int nr, const char* what,
                            std::initializer_list<uint64_t> args = {},
                            uint32_t arch = AUDIT_ARCH_X86_64) {
    EXPECT_EQ(Run(caps, nr, args, arch).value, kAllow) << what;
  }
  const CapabilitySet defaults_ = DockerDefaultCapabilities();

 private:
  // Compiling takes tens of milliseconds; each (caps, kernel) is compiled once per run.
  static const std::vector<sock_filter>* Compiled(const CapabilitySet& caps, KernelVersion kernel) {
    static std::map<std::tuple<uint64_t, int, int>, std::vector<sock_filter>> cache;
    auto key = std::make_tuple(caps.mask(), kernel.major, kernel.minor);
    if (auto it = cache.find(key); it != cache.end()) return &it->second;
    auto program = CompileDefaultSeccomp(caps, {kernel});
    EXPECT_TRUE(program) << program.error().ToString();
    if (!program) return nullptr;
    return &cache.emplace(key, std::move(program->filter)).first->second;
  }
};

TEST_F(DefaultSeccompTest, ProgramFitsTheKernelLimit) {
  auto program = CompileDefaultSeccomp(defaults_);
  ASSERT_TRUE(program) << program.error().ToString();
  EXPECT_GT(program->filter.size(), 100u);
  EXPECT_LE(program->filter.size(), static_cast<size_t>(BPF_MAXINSNS));
  EXPECT_EQ(program->flags, 0u);
  auto all = CompileDefaultSeccomp(CapabilitySet::All(40));
  ASSERT_TRUE(all);
  EXPECT_LE(all->filter.size(), static_cast<size_t>(BPF_MAXINSNS));
}

TEST_F(DefaultSeccompTest, OrdinarySyscallsAreAllowed) {
  SKIP_UNLESS_X86_64();
  for (auto [nr, name] :
       std::initializer_list<std::pair<int, const char*>>{{SYS_read, "read"},
                                                          {SYS_write, "write"},
                                                          {SYS_openat, "openat"},
                                                          {SYS_getpid, "getpid"},
                                                          {SYS_execve, "execve"},
                                                          {SYS_futex, "futex"},
                                                          {SYS_arch_prctl, "arch_prctl"},
                                                          {SYS_chroot, "chroot (CAP_SYS_CHROOT)"},
                                                          {SYS_setresuid, "setresuid"},
                                                          {SYS_capset, "capset"},
                                                          {SYS_prctl, "prctl"},
                                                          {SYS_ptrace, "ptrace on 4.8+"},
                                                          {SYS_rseq, "rseq"},
                                                          {SYS_pidfd_open, "pidfd_open"}}) {
    ExpectAllowed(defaults_, nr, name);
  }
}

TEST_F(DefaultSeccompTest, DangerousSyscallsFailWithEperm) {
  SKIP_UNLESS_X86_64();
  for (auto [nr, name] : std::initializer_list<std::pair<int, const char*>>{
           {SYS_keyctl, "keyctl"},
           {SYS_add_key, "add_key"},
           {SYS_request_key, "request_key"},
           {SYS_mount, "mount"},
           {SYS_umount2, "umount2"},
           {SYS_unshare, "unshare"},
           {SYS_setns, "setns"},
           {SYS_kexec_load, "kexec_load"},
           {SYS_open_by_handle_at, "open_by_handle_at"},
           {SYS_bpf, "bpf"},
           {SYS_perf_event_open, "perf_event_open"},
           {SYS_userfaultfd, "userfaultfd"},
           {SYS_clock_settime, "clock_settime"},
           {SYS_settimeofday, "settimeofday"},
           {SYS_reboot, "reboot"},
           {SYS_init_module, "init_module"},
           {SYS_swapon, "swapon"},
           {SYS_io_uring_setup, "io_uring_setup"},
           {SYS_fsopen, "fsopen"},
           {SYS_move_mount, "move_mount"},
           {SYS_pivot_root, "pivot_root"},
           {SYS_acct, "acct"},
           {SYS_iopl, "iopl"},
           {SYS_syslog, "syslog"},
           {SYS_kcmp, "kcmp"},
           {SYS_mbind, "mbind"},
           {SYS_vhangup, "vhangup"},
           {SYS_sethostname, "sethostname"}}) {
    ExpectErrno(defaults_, nr, EPERM, name);
  }
}

TEST_F(DefaultSeccompTest, CloneOnlyWithoutNamespaceFlags) {
  SKIP_UNLESS_X86_64();
  const uint64_t thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                          CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  ExpectAllowed(defaults_, SYS_clone, "fork-like clone", {SIGCHLD});
  ExpectAllowed(defaults_, SYS_clone, "thread clone", {thread});
  for (uint64_t ns : {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUTS,
                      CLONE_NEWIPC, CLONE_NEWCGROUP}) {
    ExpectErrno(defaults_, SYS_clone, EPERM, "clone with a namespace flag", {ns | SIGCHLD});
  }
  // clone3 hides its flags from seccomp: ENOSYS, so that glibc falls back to clone.
  ExpectErrno(defaults_, SYS_clone3, ENOSYS, "clone3");
}

TEST_F(DefaultSeccompTest, CapSysAdminUnlocksMountAndNamespaces) {
  SKIP_UNLESS_X86_64();
  CapabilitySet caps = defaults_;
  caps.Add(CAP_SYS_ADMIN);
  for (auto [nr, name] :
       std::initializer_list<std::pair<int, const char*>>{{SYS_mount, "mount"},
                                                          {SYS_umount2, "umount2"},
                                                          {SYS_unshare, "unshare"},
                                                          {SYS_setns, "setns"},
                                                          {SYS_clone3, "clone3"},
                                                          {SYS_sethostname, "sethostname"},
                                                          {SYS_fsopen, "fsopen"},
                                                          {SYS_bpf, "bpf"},
                                                          {SYS_syslog, "syslog"}}) {
    ExpectAllowed(caps, nr, name);
  }
  ExpectAllowed(caps, SYS_clone, "clone with CLONE_NEWUSER", {CLONE_NEWUSER | SIGCHLD});
  // Still blocked: not gated by a capability Docker grants through the profile.
  ExpectErrno(caps, SYS_keyctl, EPERM, "keyctl");
  ExpectErrno(caps, SYS_kexec_load, EPERM, "kexec_load");
}

TEST_F(DefaultSeccompTest, OtherCapabilitiesUnlockTheirSyscalls) {
  SKIP_UNLESS_X86_64();
  const std::tuple<int, int, const char*> gates[] = {
      {CAP_SYS_TIME, SYS_clock_settime, "clock_settime"},
      {CAP_SYS_PTRACE, SYS_kcmp, "kcmp"},
      {CAP_SYS_MODULE, SYS_finit_module, "finit_module"},
      {CAP_SYS_BOOT, SYS_reboot, "reboot"},
      {CAP_SYS_NICE, SYS_mbind, "mbind"},
      {CAP_SYS_RAWIO, SYS_iopl, "iopl"},
      {CAP_SYSLOG, SYS_syslog, "syslog"},
      {CAP_DAC_READ_SEARCH, SYS_open_by_handle_at, "open_by_handle_at"},
      {CAP_SYS_PACCT, SYS_acct, "acct"},
      {CAP_SYS_TTY_CONFIG, SYS_vhangup, "vhangup"},
      {CAP_BPF, SYS_bpf, "bpf"},
      {CAP_PERFMON, SYS_perf_event_open, "perf_event_open"},
  };
  for (const auto& [cap, nr, name] : gates) {
    CapabilitySet caps = defaults_;
    caps.Add(cap);
    ExpectAllowed(caps, nr, name);
    ExpectErrno(defaults_, nr, EPERM, name);
  }
  // Without CAP_SYS_CHROOT, chroot is refused too.
  CapabilitySet no_chroot = defaults_;
  no_chroot.Remove(CAP_SYS_CHROOT);
  ExpectErrno(no_chroot, SYS_chroot, EPERM, "chroot without CAP_SYS_CHROOT");
}

TEST_F(DefaultSeccompTest, ArgumentRestrictions) {
  SKIP_UNLESS_X86_64();
  ExpectAllowed(defaults_, SYS_socket, "socket(AF_INET)", {AF_INET, SOCK_STREAM, 0});
  ExpectAllowed(defaults_, SYS_socket, "socket(AF_UNIX)", {AF_UNIX, SOCK_DGRAM, 0});
  ExpectErrno(defaults_, SYS_socket, EPERM, "socket(AF_VSOCK)", {AF_VSOCK, SOCK_STREAM, 0});
  for (uint64_t persona : {0x0ull, 0x8ull, 0x20000ull, 0x20008ull, 0xffffffffull}) {
    ExpectAllowed(defaults_, SYS_personality, "personality", {persona});
  }
  // READ_IMPLIES_EXEC and ADDR_NO_RANDOMIZE weaken the process; refused.
  ExpectErrno(defaults_, SYS_personality, EPERM, "personality(READ_IMPLIES_EXEC)", {0x0400000});
  ExpectErrno(defaults_, SYS_personality, EPERM, "personality(ADDR_NO_RANDOMIZE)", {0x0040000});
}

TEST_F(DefaultSeccompTest, PtraceNeedsKernel48) {
  SKIP_UNLESS_X86_64();
  auto v = Run(defaults_, SYS_ptrace, {}, AUDIT_ARCH_X86_64, KernelVersion{4, 4});
  EXPECT_EQ(v.action(), kErrno);
  EXPECT_EQ(v.data(), static_cast<uint32_t>(EPERM));
  EXPECT_EQ(Run(defaults_, SYS_ptrace, {}, AUDIT_ARCH_X86_64, KernelVersion{4, 8}).value, kAllow);
}

TEST_F(DefaultSeccompTest, CompatArchitecturesAreFilteredToo) {
  SKIP_UNLESS_X86_64();
  // i386 numbers: read 3, getpid 20, keyctl 288, unshare 310.
  ExpectAllowed(defaults_, 3, "i386 read", {}, AUDIT_ARCH_I386);
  ExpectAllowed(defaults_, 20, "i386 getpid", {}, AUDIT_ARCH_I386);
  ExpectErrno(defaults_, 288, EPERM, "i386 keyctl", {}, AUDIT_ARCH_I386);
  ExpectErrno(defaults_, 310, EPERM, "i386 unshare", {}, AUDIT_ARCH_I386);
  // x32: x86_64's audit arch with bit 30 in the number.
  ExpectAllowed(defaults_, kX32 | SYS_read, "x32 read");
  ExpectErrno(defaults_, kX32 | SYS_keyctl, EPERM, "x32 keyctl");
  // An architecture outside the filter is killed (libseccomp's bad-arch action).
  auto v = Run(defaults_, SYS_read, {}, AUDIT_ARCH_AARCH64);
  EXPECT_EQ(v.action(), static_cast<uint32_t>(SECCOMP_RET_KILL_THREAD));
}

TEST_F(DefaultSeccompTest, SyscallsNewerThanTheProfileGetEnosys) {
  SKIP_UNLESS_X86_64();
  for (uint32_t arch : {uint32_t{AUDIT_ARCH_X86_64}, uint32_t{AUDIT_ARCH_I386}}) {
    ExpectErrno(defaults_, 1000, ENOSYS, "syscall 1000", {}, arch);
  }
  ExpectErrno(defaults_, kX32 | 1000, ENOSYS, "x32 syscall 1000");
  // Below the highest known number, an unlisted syscall keeps the default EPERM.
  ExpectErrno(defaults_, SYS_add_key, EPERM, "add_key");
}

}  // namespace
}  // namespace berth::runner
