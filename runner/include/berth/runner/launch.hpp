// Launch: clone the container's first process into new namespaces and start it.
//
// Launch() creates the namespaces of a ContainerPlan with clone(2) (a pidfd comes with the
// child), lets the caller place the child in its cgroup while it waits, then releases it
// and waits until it has executed the process or failed. A setup failure in the child comes
// back as an ordinary Error (what the child was doing, its errno) with the exit code podman
// would use: 125 for berth's own failures, 126 when the command cannot be run, 127 when it
// is not found. Needs root. Not thread-safe: call it from a single-threaded process, since
// the child runs on a copy of the parent's memory without exec.
#pragma once

#include <sys/ioctl.h>
#include <sys/types.h>

#include <functional>

#include "berth/base/result.hpp"
#include "berth/base/subprocess.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/runner/container_plan.hpp"
#include "berth/runner/kernel.hpp"

namespace berth::runner {

struct LaunchOptions {
  int stdio[3] = {-1, -1, -1};  // fds for the container's 0, 1, 2; -1 inherits berth's
  // Called with the child's pid while it waits, before any of its setup: the place to join
  // cgroups. An error here kills the child and fails the launch.
  std::function<Result<void>(pid_t)> before_start;
  // With plan.terminal: receives the pty's master once the program runs; `window` is its
  // initial size (zero: left as the kernel makes it).
  UniqueFd* console = nullptr;
  struct winsize window = {};
  // --init: a berth-init executable (LoadInitProgram) that becomes PID 1 and runs the
  // program as its child; -1 runs the program as PID 1.
  int init_program = -1;
};

// The container's first process. Move-only; a process still running when this goes away
// is killed (SIGKILL) and reaped.
class ContainerProcess {
 public:
  ContainerProcess() = default;
  ContainerProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  ContainerProcess(ContainerProcess&& o) noexcept;
  ContainerProcess& operator=(ContainerProcess&& o) noexcept;
  ~ContainerProcess();

  pid_t pid() const { return pid_; }
  // Gives the process up: it is neither killed nor reaped here (a detached container's
  // monitor reaps it). Returns the pid.
  pid_t Release();
  int pidfd() const { return pidfd_.get(); }
  // Sends `signal` through the pidfd (never to a recycled pid). ESRCH is success.
  Result<void> Signal(int signal);
  // Reaps the process; EINTR is retried.
  Result<ExitStatus> Wait();

 private:
  pid_t pid_ = -1;
  UniqueFd pidfd_;
};

// The exit code podman reports for an exit status: the code, or 128 + the signal.
int ExitCodeOf(const ExitStatus& status);

// On failure, `*failure_exit_code` (if given) is set to 125, 126 or 127.
Result<ContainerProcess> Launch(const ContainerPlan& plan, Kernel& kernel,
                                const LaunchOptions& options, int* failure_exit_code);

}  // namespace berth::runner
