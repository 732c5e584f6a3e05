// ChildProcess: a child that is killed and reaped if its owner forgets it.
//
// Spawn() starts a program (fork + execvp); Wait() reaps it. A ChildProcess still running at
// destruction gets SIGKILL and is reaped, so no zombie or stray process outlives a failed
// operation. The runner's container init uses clone(2) directly; this type is for helper
// programs. Move-only; not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth {

struct ExitStatus {
  int code = 0;    // exit code, valid when signal == 0
  int signal = 0;  // terminating signal, or 0
  bool ok() const { return signal == 0 && code == 0; }
  // "exit status 3" or "killed by signal 9".
  std::string ToString() const;
};

struct SpawnOptions {
  int stdin_fd = -1;   // -1: /dev/null
  int stdout_fd = -1;  // -1: inherit
  int stderr_fd = -1;  // -1: inherit
};

class ChildProcess {
 public:
  static Result<ChildProcess> Spawn(const std::vector<std::string>& argv,
                                    const SpawnOptions& options = {});
  // Adopts an existing child pid (e.g. one made by clone(2)).
  static ChildProcess Adopt(pid_t pid);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&& o) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  Result<ExitStatus> Wait();
  Result<void> Kill(int signal);
  // Gives up ownership; the caller must reap the child.
  pid_t Release();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// Runs argv to completion and returns its exit status and stdout (stderr is inherited).
struct CommandOutput {
  ExitStatus status;
  std::string out;
};
Result<CommandOutput> RunCommand(const std::vector<std::string>& argv);

}  // namespace berth
