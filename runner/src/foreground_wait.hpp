// Waiting for a foreground container while passing the user's signals on to it.
#pragma once

#include "berth/base/result.hpp"
#include "berth/base/subprocess.hpp"
#include "berth/runner/launch.hpp"
#include "terminal_relay.hpp"

namespace berth::runner {

// Blocks the forwarded signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2) and
// SIGWINCH in the calling thread for its lifetime and restores the old mask afterwards.
// Create it before Launch so that no signal arrives between clone and the first wait.
class ForwardedSignals {
 public:
  ForwardedSignals();
  ~ForwardedSignals();
  ForwardedSignals(const ForwardedSignals&) = delete;
  ForwardedSignals& operator=(const ForwardedSignals&) = delete;
  // Waits for `process` to exit, sending it every forwarded signal that arrives meanwhile.
  // With a `relay` (-t), also moves the terminal's data and window size changes.
  Result<ExitStatus> Wait(ContainerProcess& process, ConsoleRelay* relay = nullptr);

 private:
  sigset_t old_;
  sigset_t set_;
};

}  // namespace berth::runner
