// berth's default seccomp profile.
//
// An allow-list: every syscall not named here fails with EPERM. It is meant to have the effect
// of Docker's default profile (moby profiles/seccomp, as of 2025: io_uring blocked, syscalls
// up to Linux 6.13 known), written here in berth's own structure: syscalls grouped by what
// they touch, then the ones a capability unlocks, then the ones restricted by argument or
// architecture. What stays blocked without a capability includes keyctl, add_key,
// request_key (the keyring is not namespaced), mount and the new mount API, umount2,
// unshare, setns, clone/clone3 with namespace flags, kexec_load, open_by_handle_at, bpf,
// perf_event_open, userfaultfd, clock_settime, settimeofday, reboot, init_module, swapon,
// io_uring_*, and ptrace on kernels before 4.8 (seccomp could be bypassed with it).

#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/strings.hpp"
#include "seccomp_profile.hpp"

namespace berth::runner::seccomp {

namespace {

// Files, directories, links and their metadata.
constexpr std::string_view kFileSyscalls =
    "open openat openat2 creat close close_range access faccessat faccessat2 chdir fchdir "
    "getcwd umask mkdir mkdirat rmdir mknod mknodat link linkat symlink symlinkat unlink "
    "unlinkat rename renameat renameat2 readlink readlinkat getdents getdents64 stat stat64 "
    "lstat lstat64 fstat fstat64 fstatat64 newfstatat statx statfs statfs64 fstatfs fstatfs64 "
    "chmod fchmod fchmodat fchmodat2 chown chown32 fchown fchown32 fchownat lchown lchown32 "
    "truncate truncate64 ftruncate ftruncate64 fallocate fadvise64 fadvise64_64 readahead utime "
    "utimes utimensat utimensat_time64 futimesat flock fsync fdatasync sync syncfs "
    "sync_file_range copy_file_range cachestat name_to_handle_at statmount listmount";

// Extended attributes.
constexpr std::string_view kXattrSyscalls =
    "getxattr lgetxattr fgetxattr getxattrat setxattr lsetxattr fsetxattr setxattrat listxattr "
    "llistxattr flistxattr listxattrat removexattr lremovexattr fremovexattr removexattrat";

// Reading, writing and waiting on file descriptors; AIO (io_uring stays blocked: its
// operations bypass seccomp and it has been a rich source of kernel exploits).
constexpr std::string_view kDescriptorSyscalls =
    "read readv pread64 preadv preadv2 write writev pwrite64 pwritev pwritev2 lseek _llseek dup "
    "dup2 dup3 fcntl fcntl64 ioctl pipe pipe2 splice tee vmsplice sendfile sendfile64 select "
    "_newselect pselect6 pselect6_time64 poll ppoll ppoll_time64 epoll_create epoll_create1 "
    "epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait epoll_pwait2 eventfd "
    "eventfd2 inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_mark "
    "signalfd signalfd4 timerfd_create timerfd_settime timerfd_settime64 timerfd_gettime "
    "timerfd_gettime64 memfd_create memfd_secret io_setup io_destroy io_submit io_cancel "
    "io_getevents io_pgetevents io_pgetevents_time64";

// The process's own memory.
constexpr std::string_view kMemorySyscalls =
    "brk mmap mmap2 munmap mremap mprotect madvise mincore msync mlock mlock2 mlockall munlock "
    "munlockall remap_file_pages membarrier pkey_alloc pkey_free pkey_mprotect map_shadow_stack "
    "mseal";

// Processes, threads, limits and the process's view of the system. clone and clone3 are
// below: they can create namespaces.
constexpr std::string_view kProcessSyscalls =
    "fork vfork execve execveat exit exit_group wait4 waitid waitpid getpid getppid gettid "
    "getpgid getpgrp setpgid getsid setsid set_tid_address set_robust_list get_robust_list "
    "set_thread_area get_thread_area futex futex_time64 futex_waitv futex_wake futex_wait "
    "futex_requeue rseq prctl capget capset getrlimit ugetrlimit setrlimit prlimit64 getrusage "
    "getpriority setpriority ioprio_get ioprio_set getcpu pidfd_open pidfd_send_signal "
    "process_mrelease restart_syscall seccomp uname sysinfo getrandom landlock_create_ruleset "
    "landlock_add_rule landlock_restrict_self uretprobe sched_yield sched_getaffinity "
    "sched_setaffinity sched_getattr sched_setattr sched_getparam sched_setparam "
    "sched_getscheduler sched_setscheduler sched_get_priority_max sched_get_priority_min "
    "sched_rr_get_interval sched_rr_get_interval_time64";

// User and group ids (capabilities still decide what a change may do).
constexpr std::string_view kIdentitySyscalls =
    "getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32 getresuid getresuid32 "
    "getresgid getresgid32 getgroups getgroups32 setuid setuid32 setgid setgid32 setreuid "
    "setreuid32 setregid setregid32 setresuid setresuid32 setresgid setresgid32 setfsuid "
    "setfsuid32 setfsgid setfsgid32 setgroups setgroups32";

// Signals.
constexpr std::string_view kSignalSyscalls =
    "kill tkill tgkill rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo "
    "rt_tgsigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 "
    "sigaltstack sigprocmask sigreturn pause alarm";

// Clocks and timers, reading only (setting the clock needs CAP_SYS_TIME; adjtimex and
// clock_adjtime check it themselves when they would change anything).
constexpr std::string_view kTimeSyscalls =
    "time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64 "
    "clock_nanosleep clock_nanosleep_time64 nanosleep times adjtimex clock_adjtime "
    "clock_adjtime64 getitimer setitimer timer_create timer_delete timer_getoverrun "
    "timer_gettime timer_gettime64 timer_settime timer_settime64";

// System V IPC and POSIX message queues (namespaced by the IPC namespace).
constexpr std::string_view kIpcSyscalls =
    "ipc msgget msgctl msgsnd msgrcv semget semctl semop semtimedop semtimedop_time64 shmget "
    "shmctl shmat shmdt mq_open mq_unlink mq_notify mq_getsetattr mq_timedsend "
    "mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64";

// Sockets once created (socket itself is restricted below).
constexpr std::string_view kSocketSyscalls =
    "socketpair socketcall bind listen accept accept4 connect getsockname getpeername "
    "getsockopt setsockopt send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg "
    "recvmmsg_time64 shutdown";

struct CapabilityGate {
  int cap;
  std::string_view names;
};

// Syscalls a capability unlocks. Docker gates them in the profile as well as in the kernel,
// so that a kernel bug in them is out of reach of containers that lack the capability.
constexpr CapabilityGate kCapabilityGates[] = {
    {CAP_SYS_ADMIN,
     "mount umount umount2 mount_setattr move_mount open_tree fsopen fsconfig fsmount fspick "
     "unshare setns clone clone3 sethostname setdomainname quotactl quotactl_fd fanotify_init "
     "lookup_dcookie bpf perf_event_open syslog lsm_get_self_attr lsm_set_self_attr "
     "lsm_list_modules"},
    {CAP_DAC_READ_SEARCH, "open_by_handle_at"},
    {CAP_SYS_PTRACE, "ptrace process_vm_readv process_vm_writev process_madvise kcmp pidfd_getfd"},
    {CAP_SYS_MODULE, "init_module finit_module delete_module"},
    {CAP_SYS_TIME, "clock_settime clock_settime64 settimeofday stime"},
    {CAP_SYS_BOOT, "reboot"},
    {CAP_SYS_CHROOT, "chroot"},
    {CAP_SYS_PACCT, "acct"},
    {CAP_SYS_RAWIO, "iopl ioperm"},
    {CAP_SYS_TTY_CONFIG, "vhangup"},
    {CAP_SYS_NICE, "mbind get_mempolicy set_mempolicy set_mempolicy_home_node"},
    {CAP_SYSLOG, "syslog"},
    {CAP_BPF, "bpf"},
    {CAP_PERFMON, "perf_event_open"},
};

struct ArchGate {
  std::string_view go_arches;
  std::string_view names;
};

// Syscalls only some architectures have (or need). Architectures are Go's names, as the
// container runtime's own architecture is compared with them ("x86" and "x32" never match).
constexpr ArchGate kArchGates[] = {
    {"amd64 x32", "arch_prctl"},
    {"amd64 x32 x86", "modify_ldt"},
    {"arm arm64",
     "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls"},
    {"ppc64le", "sync_file_range2 swapcontext"},
    {"s390 s390x", "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr"},
    {"riscv64", "riscv_flush_icache riscv_hwprobe"},
};

constexpr Action kAllow{Action::Kind::kAllow, 0};

// "a b c" -> {"a", "b", "c"}.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& word : Split(text, ' ')) {
    if (!word.empty()) out.push_back(word);
  }
  return out;
}

SyscallRule Rule(std::string_view names, Action action = kAllow) {
  SyscallRule rule;
  rule.names = Words(names);
  rule.action = action;
  return rule;
}

// clone without CAP_SYS_ADMIN: allowed only without namespace flags. clone3 passes its flags
// in memory that seccomp cannot read, so it gets ENOSYS and glibc falls back to clone.
void AddCloneRules(Profile& profile) {
  constexpr uint64_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                       CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
  SyscallRule clone = Rule("clone");
  clone.args = {{0, kNamespaceFlags, 0, CompareOp::kMaskedEqual}};
  clone.excludes.caps = {CAP_SYS_ADMIN};
  clone.excludes.arches = {"s390", "s390x"};
  profile.syscalls.push_back(clone);
  // s390 swaps clone's first two arguments.
  clone.args[0].index = 1;
  clone.excludes.arches.clear();
  clone.includes.arches = {"s390", "s390x"};
  profile.syscalls.push_back(clone);
  SyscallRule clone3 = Rule("clone3", {Action::Kind::kErrno, ENOSYS});
  clone3.excludes.caps = {CAP_SYS_ADMIN};
  profile.syscalls.push_back(clone3);
}

}  // namespace

Profile DefaultProfile() {
  Profile profile;
  profile.default_action = {Action::Kind::kErrno, EPERM};
  profile.arch_map = {
      {SCMP_ARCH_X86_64, {SCMP_ARCH_X86, SCMP_ARCH_X32}},
      {SCMP_ARCH_AARCH64, {SCMP_ARCH_ARM}},
      {SCMP_ARCH_MIPS64, {SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64N32}},
      {SCMP_ARCH_MIPS64N32, {SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64}},
      {SCMP_ARCH_MIPSEL64, {SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64N32}},
      {SCMP_ARCH_MIPSEL64N32, {SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64}},
      {SCMP_ARCH_S390X, {SCMP_ARCH_S390}},
      {SCMP_ARCH_RISCV64, {}},
  };
  for (std::string_view group :
       {kFileSyscalls, kXattrSyscalls, kDescriptorSyscalls, kMemorySyscalls, kProcessSyscalls,
        kIdentitySyscalls, kSignalSyscalls, kTimeSyscalls, kIpcSyscalls, kSocketSyscalls}) {
    profile.syscalls.push_back(Rule(group));
  }
  // Before 4.8, a ptrace tracer could change a syscall after seccomp had checked it.
  SyscallRule ptrace = Rule("ptrace process_vm_readv process_vm_writev");
  ptrace.includes.min_kernel = KernelVersion{4, 8};
  profile.syscalls.push_back(ptrace);
  // AF_VSOCK reaches the hypervisor's host, which the network namespace does not isolate.
  SyscallRule socket = Rule("socket");
  socket.args = {{0, AF_VSOCK, 0, CompareOp::kNotEqual}};
  profile.syscalls.push_back(socket);
  // Only the execution domains programs ask for in practice; 0xffffffff queries.
  for (uint64_t persona : {uint64_t{PER_LINUX}, uint64_t{PER_LINUX32}, uint64_t{UNAME26},
                           uint64_t{UNAME26} | uint64_t{PER_LINUX32}, uint64_t{0xffffffff}}) {
    SyscallRule rule = Rule("personality");
    rule.args = {{0, persona, 0, CompareOp::kEqual}};
    profile.syscalls.push_back(rule);
  }
  for (const ArchGate& gate : kArchGates) {
    SyscallRule rule = Rule(gate.names);
    rule.includes.arches = Words(gate.go_arches);
    profile.syscalls.push_back(rule);
  }
  for (const CapabilityGate& gate : kCapabilityGates) {
    SyscallRule rule = Rule(gate.names);
    rule.includes.caps = {gate.cap};
    profile.syscalls.push_back(rule);
  }
  AddCloneRules(profile);
  return profile;
}

}  // namespace berth::runner::seccomp
