// Detached containers: berth-monitor owns them (see monitor/monitor.cpp).
//
//   berth run -d ──fork──fork──> berth-monitor ──fork/exec──> berth internal-launch
//        │                            │  (subreaper)               │ sets up, clones the
//        └── reads "0 <pid>" ◄────────┼────────────────────────────┘ container, exits
//                                     ├── reaps the container, logs its output
//                                     └── exec berth internal-cleanup
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/runner/container_observe.hpp"
#include "berth/runner/helper_program.hpp"
#include "berth/runner/kernel.hpp"
#include "berth/runner/launch.hpp"
#include "berth/runner/run.hpp"
#include "console.hpp"
#include "container_prepare.hpp"

namespace berth::runner {

namespace {

void WriteReady(int fd, int code, const std::string& text) {
  std::string line = std::to_string(code) + " " + text + "\n";
  ssize_t n [[maybe_unused]] = ::write(fd, line.data(), line.size());
}

// Reads the launcher's one-line report.
Result<void> ReadReady(int fd, const ContainerRecord& rec, int* failure_exit_code) {
  std::string text;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.find('\n') != std::string::npos) break;
  }
  if (text.empty()) {
    return MakeError(ErrorCode::kInternal,
                     "start container " + rec.name + ": the monitor exited without a report");
  }
  text = std::string(Trim(text));
  size_t sp = text.find(' ');
  int code = std::atoi(text.substr(0, sp).c_str());
  if (code == 0) return Ok();
  if (failure_exit_code) *failure_exit_code = code;
  Error e = MakeError(code == 127 ? ErrorCode::kNotFound : ErrorCode::kInternal,
                      sp == std::string::npos ? text : text.substr(sp + 1));
  return e;
}

}  // namespace

Result<DetachPrograms> FindDetachPrograms() {
  DetachPrograms p;
  std::error_code ec;
  p.berth = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return MakeError(ErrorCode::kInternal, "find the berth binary: " + ec.message());
  BERTH_ASSIGN_OR_RETURN(p.monitor, FindHelperProgram("berth-monitor", "BERTH_MONITOR"));
  return p;
}

Result<void> StartDetached(const fs::path& store_root, const ContainerRecord& rec,
                           const DetachPrograms& programs, int* failure_exit_code) {
  if (failure_exit_code) *failure_exit_code = 125;
  ContainerStore containers(store_root);
  fs::path dir = containers.Dir(rec.id);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return SysError("create pipe", errno);
  UniqueFd ready_r(fds[0]), ready_w(fds[1]);
  std::string root = store_root.string();
  std::string exit_file = (dir / "exit").string();
  std::string fd_text = std::to_string(ready_w.get());
  std::vector<std::string> args = {programs.monitor.string(),
                                   (dir / "ctr.log").string(),
                                   exit_file,
                                   programs.berth.string(),
                                   "--root",
                                   root,
                                   "internal-launch",
                                   rec.id,
                                   "--ready-fd",
                                   fd_text,
                                   "--",
                                   programs.berth.string(),
                                   "--root",
                                   root,
                                   "internal-cleanup",
                                   rec.id,
                                   "--exit-file",
                                   exit_file};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  (void)::unlink(exit_file.c_str());
  pid_t child = ::fork();
  if (child < 0) return SysError("fork monitor", errno);
  if (child == 0) {
    // The grandchild is the monitor: re-parented to init (or a subreaper) at once, it never
    // becomes a zombie of this process.
    if (::fork() != 0) ::_exit(0);
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < 3; ++i) ::dup2(null, i);
    ::fcntl(ready_w.get(), F_SETFD, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ready_w.Reset();
  return ReadReady(ready_r.get(), rec, failure_exit_code);
}

Result<void> LaunchDetached(const fs::path& store_root, const std::string& id, int ready_fd) {
  ::fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
  ContainerStore containers(store_root);
  auto fail = [&](Error e, int code) -> Result<void> {
    WriteReady(ready_fd, code, e.message);
    return e;
  };
  auto rec = containers.Find(id);
  if (!rec) return fail(std::move(rec).error(), 125);
  auto prepared = PrepareContainer(store_root, *rec, nullptr);
  if (!prepared) return fail(std::move(prepared).error(), 125);
  PreparedContainer& p = *prepared;
  LaunchOptions lo;
  lo.before_start = [&p](pid_t pid) { return p.cgroup.AddProcess(pid); };
  lo.init_program = p.init_program.get();
  UniqueFd console;
  lo.console = &console;
  ContainerState state;
  state.monitor_pid = ::getppid();
  int code = 125;
  auto process = Launch(p.plan, LinuxKernel(), lo, &code);
  if (!process) {
    state.status = ContainerStatus::kExited;
    state.exit_code = code;
    state.error = process.error().message;
    state.finished_at = NowNanos();
    (void)containers.SaveState(id, state);
    return fail(std::move(process).error(), code);
  }
  state.status = ContainerStatus::kRunning;
  state.pid = process->pid();
  state.started_at = NowNanos();
  // With the start times, a recycled pid is never taken for the container or its monitor.
  if (auto t = ProcessStartTime("/proc", state.pid)) state.pid_start_time = *t;
  if (auto t = ProcessStartTime("/proc", state.monitor_pid)) state.monitor_start_time = *t;
  if (auto saved = containers.SaveState(id, state); !saved) {
    return fail(std::move(saved).error(), 125);
  }
  if (console) {
    // The monitor logs what the container writes to its terminal (monitor.cpp).
    const char* socket_fd = std::getenv("BERTH_CONSOLE_FD");
    int err = socket_fd ? SendFd(std::atoi(socket_fd), console.get()) : EBADF;
    if (err) return fail(SysError("hand the container's terminal to berth-monitor", err), 125);
  }
  // From here on the monitor owns the container, its cgroup and its exit.
  p.cgroup.Release();
  pid_t pid = process->Release();
  WriteReady(ready_fd, 0, std::to_string(pid));
  return Ok();
}

}  // namespace berth::runner
