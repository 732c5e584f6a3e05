#include "foreground_wait.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace berth::runner {

ForwardedSignals::ForwardedSignals() {
  sigemptyset(&set_);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}) sigaddset(&set_, s);
  ::sigprocmask(SIG_BLOCK, &set_, &old_);
}

ForwardedSignals::~ForwardedSignals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

Result<ExitStatus> ForwardedSignals::Wait(ContainerProcess& process, ConsoleRelay* relay) {
  UniqueFd sfd(::signalfd(-1, &set_, SFD_CLOEXEC));
  if (!sfd) return SysError("create signalfd", errno);
  for (;;) {
    struct pollfd fds[4] = {{process.pidfd(), POLLIN, 0}, {sfd.get(), POLLIN, 0}};
    int relayed = relay ? relay->PollFds(fds + 2) : 0;
    if (::poll(fds, static_cast<nfds_t>(2 + relayed), -1) < 0) {
      if (errno == EINTR) continue;
      return SysError("wait for container", errno);
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (::read(sfd.get(), &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGWINCH) {
          // A window change concerns only a container with a terminal.
          if (relay) relay->Resize();
        } else {
          BERTH_TRY(process.Signal(static_cast<int>(si.ssi_signo)));
        }
      }
    }
    if (relay) relay->Pump(fds + 2, relayed);
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      if (relay) relay->Drain();
      return process.Wait();
    }
  }
}

}  // namespace berth::runner
