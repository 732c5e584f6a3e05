#include "berth/base/subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "berth/base/strings.hpp"

namespace berth {

std::string ExitStatus::ToString() const {
  if (signal) return "killed by signal " + std::to_string(signal);
  return "exit status " + std::to_string(code);
}

Result<ChildProcess> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                         const SpawnOptions& options) {
  if (argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "spawn: empty command");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) < 0) return SysError("pipe", errno);
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(err_pipe[0]);
    ::close(err_pipe[1]);
    return SysError("fork", e);
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until execvp.
    int in = options.stdin_fd >= 0 ? options.stdin_fd : ::open("/dev/null", O_RDONLY);
    if (in >= 0 && in != 0) ::dup2(in, 0);
    if (options.stdout_fd >= 0 && options.stdout_fd != 1) ::dup2(options.stdout_fd, 1);
    if (options.stderr_fd >= 0 && options.stderr_fd != 2) ::dup2(options.stderr_fd, 2);
    ::execvp(args[0], args.data());
    int e = errno;
    (void)!::write(err_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  ChildProcess child(pid);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (n == sizeof child_errno) {
    (void)child.Wait();
    return SysError("run " + Quote(argv[0]), child_errno);
  }
  return child;
}

ChildProcess ChildProcess::Adopt(pid_t pid) { return ChildProcess(pid); }

ChildProcess::ChildProcess(ChildProcess&& o) noexcept : pid_(o.Release()) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    this->~ChildProcess();
    pid_ = o.Release();
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    (void)Wait();
  }
}

pid_t ChildProcess::Release() {
  pid_t p = pid_;
  pid_ = -1;
  return p;
}

Result<ExitStatus> ChildProcess::Wait() {
  if (pid_ <= 0) return MakeError(ErrorCode::kInternal, "wait: no child");
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno == EINTR) continue;
    int e = errno;
    pid_ = -1;
    return SysError("wait", e);
  }
  pid_ = -1;
  ExitStatus st;
  if (WIFSIGNALED(status)) st.signal = WTERMSIG(status);
  else st.code = WEXITSTATUS(status);
  return st;
}

Result<void> ChildProcess::Kill(int signal) {
  if (pid_ > 0 && ::kill(pid_, signal) < 0) return SysError("kill", errno);
  return Ok();
}

Result<CommandOutput> RunCommand(const std::vector<std::string>& argv) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return SysError("pipe", errno);
  UniqueFd rd(p[0]), wr(p[1]);
  SpawnOptions opts;
  opts.stdout_fd = wr.get();
  BERTH_ASSIGN_OR_RETURN(ChildProcess child, ChildProcess::Spawn(argv, opts));
  wr.Reset();
  CommandOutput out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(rd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.out.append(buf, static_cast<size_t>(n));
  }
  BERTH_ASSIGN_OR_RETURN(out.status, child.Wait());
  return out;
}

}  // namespace berth
