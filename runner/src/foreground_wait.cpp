#include "foreground_wait.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace berth::runner {

ForwardedSignals::ForwardedSignals() {
  sigemptyset(&set_);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set_, s);
  ::sigprocmask(SIG_BLOCK, &set_, &old_);
}

ForwardedSignals::~ForwardedSignals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

Result<ExitStatus> ForwardedSignals::Wait(ContainerProcess& process) {
  UniqueFd sfd(::signalfd(-1, &set_, SFD_CLOEXEC));
  if (!sfd) return SysError("create signalfd", errno);
  for (;;) {
    struct pollfd fds[2] = {{process.pidfd(), POLLIN, 0}, {sfd.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return SysError("wait for container", errno);
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (::read(sfd.get(), &si, sizeof si) == sizeof si) {
        BERTH_TRY(process.Signal(static_cast<int>(si.ssi_signo)));
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) return process.Wait();
  }
}

}  // namespace berth::runner
