// The code between clone(2) and execve(2). Rules (STYLE.md 4, "The clone child"): no
// allocation, no exceptions, every failure ends in Fail() -> report record + _exit.
#include "berth/runner/container_setup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "berth/runner/exec_path.hpp"
#include "console.hpp"
#include "berth/runner/in_root.hpp"

namespace berth::runner {

namespace {

void Describe(char* what, size_t len, const char* verb, const char* object) {
  std::snprintf(what, len, "%s '%s'", verb, object);
}

// "/proc/self/fd/N" for mounting onto an fd opened in the root.
struct FdPath {
  char buf[32];
  explicit FdPath(int fd) { std::snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd); }
};

unsigned long PropagationFlag(const char* p) {
  struct Entry {
    const char* name;
    unsigned long flag;
  };
  static const Entry kTable[] = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC}};
  for (const auto& e : kTable) {
    if (std::strcmp(p, e.name) == 0) return e.flag;
  }
  return 0;
}

// After mount(2) the O_PATH fd still names the covered dentry, so flags and propagation
// go through a fresh fd that resolves to the new mount's root.
int BindStep(Kernel& k, int root_fd, int target_fd, const RootfsStep& s) {
  FdPath t(target_fd);
  unsigned long rec = s.recursive ? MS_REC : 0;
  if (int err = k.Mount(s.source.c_str(), t.buf, nullptr, MS_BIND | rec, nullptr)) return err;
  if (s.flags == 0 && s.propagation.empty()) return 0;
  int fd = -1;
  if (int err = OpenInRoot(root_fd, s.target.c_str(), false, s.no_symlink, &fd)) return err;
  FdPath m(fd);
  int err = 0;
  if (s.flags != 0) {
    // A bind mount takes its per-mount flags only on a remount (mount(2), "MS_REMOUNT").
    err = k.Mount(nullptr, m.buf, nullptr, MS_BIND | MS_REMOUNT | s.flags, nullptr);
  }
  if (!err && !s.propagation.empty()) {
    unsigned long p = PropagationFlag(s.propagation.c_str());
    err = p == 0 ? EINVAL : k.Mount(nullptr, m.buf, nullptr, p, nullptr);
  }
  ::close(fd);
  return err;
}

int NodeStep(Kernel& k, int root_fd, const RootfsStep& s) {
  int parent = -1;
  char name[NAME_MAX + 1];
  if (int err = ParentInRoot(root_fd, s.target.c_str(), true, &parent, name, sizeof name)) {
    return err;
  }
  int err = 0;
  if (s.kind == RootfsStep::Kind::kMknod) {
    err = k.Mknod(parent, name, s.mode, s.dev);
    // mknod applies the umask; the default nodes must be 0666.
    if (err == 0 && ::fchmodat(parent, name, s.mode & 07777, 0) < 0) err = errno;
  } else if (::symlinkat(s.source.c_str(), parent, name) < 0 && errno != EEXIST) {
    err = errno;
  }
  ::close(parent);
  return err;
}

int OneStep(Kernel& k, int root_fd, const RootfsStep& s) {
  if (s.kind == RootfsStep::Kind::kMknod || s.kind == RootfsStep::Kind::kSymlink) {
    return NodeStep(k, root_fd, s);
  }
  int fd = -1;
  if (int err = MountpointInRoot(root_fd, s.target.c_str(), s.file, s.no_symlink, &fd)) {
    return err;
  }
  int err = 0;
  if (s.kind == RootfsStep::Kind::kBind) {
    err = BindStep(k, root_fd, fd, s);
  } else {
    FdPath t(fd);
    err = k.Mount(s.source.c_str(), t.buf, s.fstype.c_str(), s.flags,
                  s.data.empty() ? nullptr : s.data.c_str());
  }
  ::close(fd);
  return err;
}

const char* StepVerb(const RootfsStep& s) {
  switch (s.kind) {
    case RootfsStep::Kind::kMount:
      return "mount";
    case RootfsStep::Kind::kBind:
      return "bind mount";
    case RootfsStep::Kind::kMknod:
      return "create device";
    case RootfsStep::Kind::kSymlink:
      return "create symlink";
  }
  return "set up";
}

// Masks one path: /dev/null over a file, an empty read-only tmpfs over a directory.
int MaskPath(Kernel& k, const char* path, int devnull_fd) {
  int fd = ::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : errno;
  struct stat st;
  int err = ::fstat(fd, &st) < 0 ? errno : 0;
  FdPath t(fd);
  if (!err && S_ISDIR(st.st_mode)) {
    err = k.Mount("tmpfs", t.buf, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0");
  } else if (!err) {
    FdPath null(devnull_fd);
    err = k.Mount(null.buf, t.buf, nullptr, MS_BIND, nullptr);
  }
  ::close(fd);
  return err;
}

int ReadonlyPath(Kernel& k, const char* path) {
  int fd = ::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : errno;
  FdPath t(fd);
  int err = k.Mount(t.buf, t.buf, nullptr, MS_BIND | MS_REC, nullptr);
  ::close(fd);
  if (err) return err;
  // Reopen: the bind mount now sits on top of the old dentry.
  fd = ::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  FdPath t2(fd);
  err = k.Mount(nullptr, t2.buf, nullptr,
                MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  ::close(fd);
  return err;
}

[[noreturn]] void Fail(const ChildContext& ctx, int err, int exit_code, const char* what) {
  ChildFailure f;
  f.err = err;
  f.exit_code = exit_code;
  std::snprintf(f.what, sizeof f.what, "%s", what);
  ssize_t n [[maybe_unused]] = ::write(ctx.report_fd, &f, sizeof f);
  ::_exit(exit_code);
}

int LoopbackUp() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  struct ifreq ifr {};
  std::strcpy(ifr.ifr_name, "lo");
  int err = 0;
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
    err = errno;
  } else {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) < 0) err = errno;
  }
  ::close(s);
  return err;
}

void ResetSignals() {
  sigset_t all;
  sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    ::signal(sig, SIG_DFL);
  }
}

void SetupStdio(const ChildContext& ctx) {
  for (int i = 0; i < 3; ++i) {
    if (ctx.stdio[i] < 0) continue;
    if (::dup2(ctx.stdio[i], i) < 0) Fail(ctx, errno, 125, "set up stdio");
  }
}

void SetIds(const ChildContext& ctx) {
  const ProcessSpec& p = ctx.plan->process;
  const gid_t* groups = p.additional_gids.empty() ? nullptr : p.additional_gids.data();
  if (::setgroups(p.additional_gids.size(), groups) < 0) Fail(ctx, errno, 125, "setgroups");
  if (::setresgid(p.gid, p.gid, p.gid) < 0) Fail(ctx, errno, 125, "setresgid");
  if (::setresuid(p.uid, p.uid, p.uid) < 0) Fail(ctx, errno, 125, "setresuid");
}

// With --init, berth-init is executed (from its memfd) and starts the program found here.
int ExecThroughInit(const ChildContext& ctx, const char* name) {
  const char* path = nullptr;
  if (int err = FindExecutable(name, ctx.plan->exec_candidates, &path)) return err;
  ctx.init_argv[2] = const_cast<char*>(path);
  ::syscall(SYS_execveat, ctx.init_fd, "", ctx.init_argv, ctx.envp, AT_EMPTY_PATH);
  return errno;
}

[[noreturn]] void Exec(const ChildContext& ctx) {
  const ContainerPlan& plan = *ctx.plan;
  const char* name = plan.process.argv.empty() ? "" : plan.process.argv[0].c_str();
  int err = ctx.init_fd >= 0 ? ExecThroughInit(ctx, name)
                             : ExecSearch(name, plan.exec_candidates, ctx.argv, ctx.envp);
  char what[400];
  if (err == ENOENT) {
    std::snprintf(what, sizeof what, "exec '%s': executable file not found in $PATH", name);
  } else {
    Describe(what, sizeof what, "exec", name);
  }
  Fail(ctx, err, ExitCodeForExecErrno(err), what);
}

}  // namespace

int ApplyRootfsSteps(Kernel& kernel, int root_fd, const std::vector<RootfsStep>& steps, char* what,
                     size_t what_len) noexcept {
  for (const auto& s : steps) {
    if (int err = OneStep(kernel, root_fd, s)) {
      Describe(what, what_len, StepVerb(s), s.target.c_str());
      return err;
    }
  }
  return 0;
}

int PivotInto(Kernel& kernel, int root_fd, char* what, size_t what_len) noexcept {
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching "." then
  // drops it, with no directory for put_old needed in the image (as runc and crun do).
  if (::fchdir(root_fd) < 0) {
    Describe(what, what_len, "chdir", "rootfs");
    return errno;
  }
  if (int err = kernel.PivotRoot(".", ".")) {
    Describe(what, what_len, "pivot_root", "rootfs");
    return err;
  }
  if (int err = kernel.Umount2(".", MNT_DETACH)) {
    Describe(what, what_len, "detach", "old root");
    return err;
  }
  if (::chdir("/") < 0) {
    Describe(what, what_len, "chdir", "/");
    return errno;
  }
  return 0;
}

int ApplyMasks(Kernel& kernel, const ContainerPlan& plan, char* what, size_t what_len) noexcept {
  if (plan.read_only_root) {
    if (int err = kernel.Mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr)) {
      Describe(what, what_len, "remount read-only", "/");
      return err;
    }
  }
  if (plan.masked_paths.empty()) return 0;
  // CVE-2025-31133: bind only a /dev/null that really is the null device.
  int null_fd = ::open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (null_fd < 0 || ::fstat(null_fd, &st) < 0 || !S_ISCHR(st.st_mode) ||
      st.st_rdev != makedev(1, 3)) {
    int err = null_fd < 0 ? errno : EPERM;
    if (null_fd >= 0) ::close(null_fd);
    Describe(what, what_len, "check", "/dev/null");
    return err;
  }
  for (const auto& p : plan.masked_paths) {
    if (int err = MaskPath(kernel, p.c_str(), null_fd)) {
      ::close(null_fd);
      Describe(what, what_len, "mask", p.c_str());
      return err;
    }
  }
  ::close(null_fd);
  for (const auto& p : plan.readonly_paths) {
    if (int err = ReadonlyPath(kernel, p.c_str())) {
      Describe(what, what_len, "make read-only", p.c_str());
      return err;
    }
  }
  return 0;
}

void RunContainerChild(const ChildContext& ctx) noexcept {
  const ContainerPlan& plan = *ctx.plan;
  Kernel& k = *ctx.kernel;
  char what[400] = {};
  // A foreground container dies with berth: nothing outlives the process that cleans up.
  if (plan.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (ctx.parent_end_fd >= 0) ::close(ctx.parent_end_fd);
  char go = 0;
  if (::read(ctx.go_fd, &go, 1) != 1) ::_exit(125);
  ::close(ctx.go_fd);
  if (plan.cgroup_namespace) {
    if (int err = k.Unshare(CLONE_NEWCGROUP)) Fail(ctx, err, 125, "unshare cgroup namespace");
  }
  if (int err = k.Mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr)) {
    Fail(ctx, err, 125, "make mounts private");
  }
  int root_fd = ::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) Fail(ctx, errno, 125, "open rootfs");
  if (int err = ApplyRootfsSteps(k, root_fd, plan.rootfs_steps, what, sizeof what)) {
    Fail(ctx, err, 125, what);
  }
  if (plan.process.create_cwd) {
    int cwd_fd = -1;
    if (int err = MakeDirsInRoot(root_fd, plan.process.cwd.c_str(), false, &cwd_fd)) {
      Describe(what, sizeof what, "create working directory", plan.process.cwd.c_str());
      Fail(ctx, err, 125, what);
    }
    ::close(cwd_fd);
  }
  if (int err = PivotInto(k, root_fd, what, sizeof what)) Fail(ctx, err, 125, what);
  ::close(root_fd);
  if (int err = ApplyMasks(k, plan, what, sizeof what)) Fail(ctx, err, 125, what);
  if (!plan.hostname.empty()) {
    if (int err = k.Sethostname(plan.hostname.c_str(), plan.hostname.size())) {
      Fail(ctx, err, 125, "sethostname");
    }
  }
  if (plan.loopback_up) {
    if (int err = LoopbackUp()) Fail(ctx, err, 125, "bring up 'lo'");
  }
  if (::chdir(plan.process.cwd.c_str()) < 0) {
    Describe(what, sizeof what, "change to working directory", plan.process.cwd.c_str());
    Fail(ctx, errno, 125, what);
  }
  const char* step = "set privileges";
  if (plan.terminal) {
    if (int err = AttachToNewConsole(ctx.console_fd, ctx.window, true, plan.process.uid, &step)) {
      Fail(ctx, err, 125, step);
    }
  } else {
    SetupStdio(ctx);
  }
  if (int err = ApplyPrivilegesBeforeIds(plan.privileges, &step)) Fail(ctx, err, 125, step);
  SetIds(ctx);
  // A change of credentials clears the parent-death signal (prctl(2)); set it again.
  if (plan.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ResetSignals();
  // CVE-2024-21626: no fd of berth's may reach the container.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  // Last: after this only what the container's own process may do is allowed.
  if (int err = ApplyPrivilegesAfterIds(plan.privileges, plan.process.uid == 0, &step)) {
    Fail(ctx, err, 125, step);
  }
  Exec(ctx);
}

}  // namespace berth::runner
