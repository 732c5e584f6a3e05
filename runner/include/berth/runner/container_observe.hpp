// Observed state: what a container's state.json says, checked against the processes that
// actually exist.
//
// state.json is written by the container's monitor (the foreground `berth run`, or the
// monitor of a detached container). A monitor killed with SIGKILL never records the exit, so
// its container would stay "running" forever. Every reader therefore looks through
// ObservedState(), which checks the recorded pids in /proc:
//
//   status running, container process alive           -> running, as recorded
//   status running, container gone, monitor alive      -> as recorded: the monitor is about
//                                                         to record the exit itself
//   status running, container gone, monitor gone too   -> exited with exit code -1
//                                                         (kUnknownExitCode, as podman does
//                                                         when conmon left no exit file),
//                                                         finished now, and an error saying
//                                                         why; saved when allowed
//
// Any other status is believed as it stands. A process is "alive" when /proc/<pid>/stat
// exists, it is not a zombie, and, when the state recorded its start time (pid_start_time,
// monitor_start_time; 0 = unknown), it started at that time, so that a reused pid does not
// pass for the container. The /proc root is a parameter so tests can use a fake tree.
// Stateless functions; thread-safe apart from the store's own rules.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "berth/base/result.hpp"
#include "berth/runner/container_store.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

// The exit code recorded for a container whose exit nobody saw.
inline constexpr int kUnknownExitCode = -1;

struct ProcessStat {
  char state = '?';         // field 3: R, S, D, Z, X, ...
  uint64_t start_time = 0;  // field 22: clock ticks after boot
};

// Reads <proc_root>/<pid>/stat. kNotFound when there is no such process; kInvalidArgument
// when the file cannot be parsed. Needs no privileges.
Result<ProcessStat> ReadProcessStat(const fs::path& proc_root, pid_t pid);

// The start time to record in ContainerState::pid_start_time / monitor_start_time for a
// process that is alive now. Errors as ReadProcessStat.
Result<uint64_t> ProcessStartTime(const fs::path& proc_root, pid_t pid);

// Whether `pid` (> 0) is alive and, when `start_time` is not 0, is the process that started
// then. Never fails: an unreadable or unparsable stat counts as not alive.
bool ProcessAlive(const fs::path& proc_root, pid_t pid, uint64_t start_time);

struct StateCheck {
  ContainerState state;  // what to report
  bool stale = false;    // `state` corrects the record, and nobody else will: save it
};

// The decision table above, for a state as recorded, at `now_ns` (Unix nanoseconds). Reads
// only <proc_root>/<pid>/stat files.
StateCheck CheckState(const ContainerState& recorded, const fs::path& proc_root, int64_t now_ns);

struct ObserveOptions {
  fs::path proc_root = "/proc";
  // Write a corrected state back to state.json. Only when the file still holds what was
  // checked, so a monitor that records the exit at the same moment wins. A failed write
  // (e.g. a reader without write access) is ignored: the observed state is returned anyway.
  bool save = true;
};

// Loads the state of container `id` and returns CheckState's verdict (saving it as the
// options say). Errors are LoadState's (kNotFound for a container that is gone).
Result<ContainerState> ObservedState(ContainerStore& store, const std::string& id,
                                     const ObserveOptions& options = {});

// Unix time now, in nanoseconds (CLOCK_REALTIME).
int64_t UnixNanosNow();

}  // namespace berth::runner
