// RunContainer: `berth run` in the foreground.
#include "berth/runner/run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include "berth/base/fs.hpp"
#include "berth/runner/container_observe.hpp"
#include "berth/runner/kernel.hpp"
#include "berth/runner/launch.hpp"
#include "container_prepare.hpp"
#include "foreground_wait.hpp"
#include "terminal_relay.hpp"

namespace berth::runner {

Result<int> RunContainer(const fs::path& store_root, const RunOptions& o, int* failure_exit_code,
                         ContainerRecord* created) {
  if (failure_exit_code) *failure_exit_code = 125;
  BERTH_ASSIGN_OR_RETURN(ContainerRecord rec, CreateContainer(store_root, o));
  if (created) *created = rec;
  ContainerStore containers(store_root);
  auto prepared = PrepareContainer(store_root, rec, o.warn);
  if (!prepared) {
    // A container that fails before its launch is attempted never existed for the user.
    (void)RemoveContainer(store_root, rec, true);
    return std::move(prepared).error();
  }
  PreparedContainer& p = *prepared;
  p.plan.die_with_parent = true;
  LaunchOptions lo;
  lo.before_start = [&p](pid_t pid) { return p.cgroup.AddProcess(pid); };
  lo.init_program = p.init_program.get();
  UniqueFd devnull;
  if (!o.interactive && !o.process.tty) {  // podman gives /dev/null without -i
    BERTH_ASSIGN_OR_RETURN(devnull, Open("/dev/null", O_RDONLY));
    lo.stdio[0] = devnull.get();
  }
  UniqueFd console;
  lo.console = &console;
  lo.window = CallerWindowSize();
  // -it on a terminal: keys go to the container raw (Ctrl-C included) until it exits.
  std::optional<RawMode> raw;
  if (o.process.tty && o.interactive) raw.emplace(STDIN_FILENO);
  ForwardedSignals signals;
  ContainerState state;
  state.monitor_pid = ::getpid();
  auto process = Launch(p.plan, LinuxKernel(), lo, failure_exit_code);
  if (!process) {
    state.status = ContainerStatus::kExited;
    state.exit_code = failure_exit_code ? *failure_exit_code : 125;
    state.error = process.error().message;
    state.finished_at = NowNanos();
    (void)containers.SaveState(rec.id, state);
    p.rootfs.Reset();
    (void)CleanupContainer(store_root, rec.id, std::nullopt);
    return std::move(process).error();
  }
  state.status = ContainerStatus::kRunning;
  state.pid = process->pid();
  state.started_at = NowNanos();
  // With the start times, a recycled pid is never taken for the container or its monitor.
  if (auto t = ProcessStartTime("/proc", state.pid)) state.pid_start_time = *t;
  if (auto t = ProcessStartTime("/proc", state.monitor_pid)) state.monitor_start_time = *t;
  BERTH_TRY(containers.SaveState(rec.id, state));
  std::optional<ConsoleRelay> relay;
  if (console) relay.emplace(std::move(console), o.interactive ? STDIN_FILENO : -1, STDOUT_FILENO);
  BERTH_ASSIGN_OR_RETURN(ExitStatus status, signals.Wait(*process, relay ? &*relay : nullptr));
  int code = ExitCodeOf(status);
  p.cgroup.Release();  // CleanupContainer reads OOMKilled, then removes it
  p.rootfs.Reset();    // --rm removes the directory the overlay is mounted on
  BERTH_TRY(CleanupContainer(store_root, rec.id, code));
  return code;
}

}  // namespace berth::runner
