// Waiting for a foreground container while passing the user's signals on to it.
#pragma once

#include "berth/base/result.hpp"
#include "berth/base/subprocess.hpp"
#include "berth/runner/launch.hpp"

namespace berth::runner {

// Blocks the forwarded signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2) in the
// calling thread for its lifetime and restores the old mask afterwards. Create it before
// Launch so that no signal arrives between clone and the first wait.
class ForwardedSignals {
 public:
  ForwardedSignals();
  ~ForwardedSignals();
  ForwardedSignals(const ForwardedSignals&) = delete;
  ForwardedSignals& operator=(const ForwardedSignals&) = delete;
  // Waits for `process` to exit, sending it every forwarded signal that arrives meanwhile.
  Result<ExitStatus> Wait(ContainerProcess& process);

 private:
  sigset_t old_;
  sigset_t set_;
};

}  // namespace berth::runner
