#include "berth/runner/launch.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "berth/base/strings.hpp"
#include "berth/runner/container_setup.hpp"
#include "console.hpp"

namespace berth::runner {

namespace {

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return SysError("create pipe", errno);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// argv/envp arrays for execve, pointing into `strings` (which must outlive them).
std::vector<char*> CArray(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Reads the child's report: EOF means execve succeeded (the fd was O_CLOEXEC).
Result<void> ReadReport(int fd, int* exit_code) {
  ChildFailure f;
  size_t got = 0;
  while (got < sizeof f) {
    ssize_t n = ::read(fd, reinterpret_cast<char*>(&f) + got, sizeof f - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError("read container setup report", errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == 0) return Ok();
  if (got != sizeof f) {
    return MakeError(ErrorCode::kInternal, "container setup: short report from the child");
  }
  f.what[sizeof f.what - 1] = '\0';
  if (exit_code) *exit_code = f.exit_code;
  Error e = SysError(f.what, f.err);
  if (f.exit_code == 127) e.code = ErrorCode::kNotFound;
  return e;
}

}  // namespace

ContainerProcess::ContainerProcess(ContainerProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), pidfd_(std::move(o.pidfd_)) {}

ContainerProcess& ContainerProcess::operator=(ContainerProcess&& o) noexcept {
  if (this != &o) {
    this->~ContainerProcess();
    pid_ = std::exchange(o.pid_, -1);
    pidfd_ = std::move(o.pidfd_);
  }
  return *this;
}

ContainerProcess::~ContainerProcess() {
  if (pid_ <= 0) return;
  (void)Signal(SIGKILL);
  (void)Wait();
}

pid_t ContainerProcess::Release() {
  pidfd_.Reset();
  return std::exchange(pid_, -1);
}

Result<void> ContainerProcess::Signal(int signal) {
  if (pid_ <= 0) return Ok();
  if (::syscall(SYS_pidfd_send_signal, pidfd_.get(), signal, nullptr, 0) < 0 && errno != ESRCH) {
    return SysError("signal container process " + std::to_string(pid_), errno);
  }
  return Ok();
}

Result<ExitStatus> ContainerProcess::Wait() {
  if (pid_ <= 0) return MakeError(ErrorCode::kInternal, "wait: no container process");
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) return SysError("wait for container process", errno);
  }
  pid_ = -1;
  pidfd_.Reset();
  ExitStatus st;
  if (WIFSIGNALED(status)) {
    st.signal = WTERMSIG(status);
  } else {
    st.code = WEXITSTATUS(status);
  }
  return st;
}

int ExitCodeOf(const ExitStatus& status) {
  return status.signal ? 128 + status.signal : status.code;
}

Result<ContainerProcess> Launch(const ContainerPlan& plan, Kernel& kernel,
                                const LaunchOptions& options, int* failure_exit_code) {
  if (failure_exit_code) *failure_exit_code = 125;
  BERTH_ASSIGN_OR_RETURN(Pipe go, MakePipe());
  BERTH_ASSIGN_OR_RETURN(Pipe report, MakePipe());
  std::vector<char*> argv = CArray(plan.process.argv);
  std::vector<char*> envp = CArray(plan.process.env);
  ChildContext ctx;
  ctx.plan = &plan;
  ctx.kernel = &kernel;
  ctx.go_fd = go.read.get();
  ctx.parent_end_fd = go.write.get();
  ctx.report_fd = report.write.get();
  for (int i = 0; i < 3; ++i) ctx.stdio[i] = options.stdio[i];
  ctx.argv = argv.data();
  ctx.envp = envp.data();
  std::vector<char*> init_argv;
  if (options.init_program >= 0) {
    static char kInit[] = "berth-init", kExec[] = "--exec", kEnd[] = "--";
    init_argv = {kInit, kExec, nullptr, kEnd};
    init_argv.insert(init_argv.end(), argv.begin(), argv.end());
    ctx.init_fd = options.init_program;
    ctx.init_argv = init_argv.data();
  }
  SocketPair console;
  if (plan.terminal) {
    BERTH_ASSIGN_OR_RETURN(console, MakeConsoleSocketPair());
    ctx.console_fd = console.child_end.get();
    ctx.window = options.window;
  }

  int pidfd = -1;
  // Raw clone without a new stack behaves like fork: the child continues here on a copy of
  // the parent's memory. CLONE_PIDFD stores the pidfd through the parent_tid argument.
  long pid =
      ::syscall(SYS_clone, static_cast<unsigned long>(plan.clone_flags) | CLONE_PIDFD | SIGCHLD,
                nullptr, &pidfd, nullptr, 0);
  if (pid < 0) {
    Error e = SysError("clone container process", errno);
    if (errno == EPERM) e.hint = "creating namespaces needs root (CAP_SYS_ADMIN)";
    return e;
  }
  if (pid == 0) RunContainerChild(ctx);
  ContainerProcess process(static_cast<pid_t>(pid), UniqueFd(pidfd));
  go.read.Reset();
  report.write.Reset();
  console.child_end.Reset();
  if (options.before_start) BERTH_TRY(options.before_start(process.pid()));
  char byte = 'g';
  if (::write(go.write.get(), &byte, 1) != 1) return SysError("start container process", errno);
  go.write.Reset();
  int code = 125;
  if (auto r = ReadReport(report.read.get(), &code); !r) {
    if (failure_exit_code) *failure_exit_code = code;
    (void)process.Wait();
    return std::move(r).error();
  }
  if (plan.terminal) {
    // Sent before the child executed the program, so it is waiting on the socket now.
    BERTH_ASSIGN_OR_RETURN(UniqueFd master, ReceiveConsole(console.berth_end.get()));
    if (options.console) *options.console = std::move(master);
  }
  return process;
}

}  // namespace berth::runner
