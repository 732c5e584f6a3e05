#include "berth/runner/container_control.hpp"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/store.hpp"

namespace berth::runner {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

bool WaitExit(int pidfd, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left < 0) left = 0;
    struct pollfd p = {pidfd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

// Waits for the record to leave "running" (the monitor writes it after the exit).
Result<ContainerState> AwaitRecordedExit(const ContainerStore& containers,
                                         const ContainerRecord& rec) {
  for (int i = 0;; ++i) {
    auto state = containers.LoadState(rec.id);
    if (!state) {
      // Removed (--rm) once it exited.
      if (state.error().code == ErrorCode::kNotFound) {
        ContainerState gone;
        gone.status = ContainerStatus::kExited;
        gone.exit_code = containers.RemovedExit(rec.id).value_or(0);
        return gone;
      }
      return state;
    }
    if (state->status != ContainerStatus::kRunning) return state;
    UniqueFd pidfd = OpenContainerProcess(rec, *state);
    if (!pidfd && i > 100) {
      // The process is gone and nobody recorded it for 5 s: its monitor died.
      state->status = ContainerStatus::kExited;
      state->exit_code = -1;
      return state;
    }
    if (pidfd) WaitExit(pidfd.get(), Clock::now() + std::chrono::hours(24 * 365));
    std::this_thread::sleep_for(milliseconds(50));
  }
}

}  // namespace

UniqueFd OpenContainerProcess(const ContainerRecord& rec, const ContainerState& state) {
  if (state.status != ContainerStatus::kRunning || state.pid <= 0) return UniqueFd();
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, state.pid, 0)));
  if (!fd) return fd;
  // The pid could have been recycled since the state was written: it must be in the
  // container's cgroup. Read after pidfd_open, so the check covers the process we hold.
  auto cgroup = ReadFile("/proc/" + std::to_string(state.pid) + "/cgroup", 1 << 16);
  if (!cgroup || cgroup->find("/berth/" + rec.id) == std::string::npos) return UniqueFd();
  return fd;
}

int ContainerStopSignal(const std::filesystem::path& store_root, const ContainerRecord& rec) {
  auto store = store::Store::Open(store_root);
  if (!store) return SIGTERM;
  auto image = store->FindImage(rec.image_id);
  if (!image) return SIGTERM;
  auto view = store->ReadImage(*image);
  if (!view || view->config.config.stop_signal.empty()) return SIGTERM;
  auto sig = ParseSignal(view->config.config.stop_signal);
  return sig ? *sig : SIGTERM;
}

Result<int> ParseSignal(std::string_view text) {
  std::string t(text);
  if (!t.empty() && std::all_of(t.begin(), t.end(), ::isdigit)) {
    int n = std::atoi(t.c_str());
    if (n > 0 && n < NSIG) return n;
  }
  for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t.rfind("SIG", 0) == 0) t = t.substr(3);
  for (int s = 1; s < NSIG; ++s) {
    const char* abbrev = ::sigabbrev_np(s);
    if (abbrev && t == abbrev) return s;
  }
  return MakeError(ErrorCode::kInvalidArgument, "invalid signal " + Quote(text));
}

Result<void> KillContainer(const std::filesystem::path& store_root, const ContainerRecord& rec,
                           int signal) {
  ContainerStore containers(store_root);
  BERTH_ASSIGN_OR_RETURN(ContainerState state, containers.LoadState(rec.id));
  UniqueFd pidfd = OpenContainerProcess(rec, state);
  if (!pidfd) {
    return MakeError(ErrorCode::kInvalidArgument, "container " + rec.name + " is not running");
  }
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0) < 0 && errno != ESRCH) {
    return SysError("signal container " + rec.name, errno);
  }
  return Ok();
}

Result<void> StopContainer(const std::filesystem::path& store_root, const ContainerRecord& rec,
                           int signal, std::chrono::seconds timeout) {
  ContainerStore containers(store_root);
  BERTH_ASSIGN_OR_RETURN(ContainerState state, containers.LoadState(rec.id));
  UniqueFd pidfd = OpenContainerProcess(rec, state);
  if (!pidfd) return Ok();
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0);
  if (!WaitExit(pidfd.get(), Clock::now() + timeout)) {
    ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    WaitExit(pidfd.get(), Clock::now() + std::chrono::seconds(10));
  }
  BERTH_TRY(AwaitRecordedExit(containers, rec));
  return Ok();
}

Result<int> WaitContainer(const std::filesystem::path& store_root, const ContainerRecord& rec) {
  ContainerStore containers(store_root);
  BERTH_ASSIGN_OR_RETURN(ContainerState state, AwaitRecordedExit(containers, rec));
  return state.exit_code;
}

}  // namespace berth::runner
