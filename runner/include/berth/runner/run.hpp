// Run: from an image in the store to a running container, and back to nothing.
//
//   CreateContainer   the record (containers/<id>, with the options), a hold on the image,
//                     named and anonymous volumes; nothing runs yet.
//   RunContainer      `berth run` in the foreground: create, start, forward SIGINT, SIGTERM,
//                     SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2, wait, clean up.
//   StartDetached     `berth run -d` / `berth start`: berth-monitor owns the container; it
//                     runs `berth internal-launch` (LaunchDetached) and, at the exit,
//                     `berth internal-cleanup` (CleanupContainer).
//   RestartContainer  `berth restart`: stop, then StartDetached.
//   RemoveContainer   `berth rm`: kills what runs (with force), removes the directory, the
//                     hold and the anonymous volumes.
//
// A container's overlay and all its mounts live in a private mount namespace of the process
// that starts it, so the host never sees them and they vanish with the container. Starting
// needs root and a single-threaded caller (the mount namespace is unshared).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "berth/base/result.hpp"
#include "berth/runner/container_store.hpp"
#include "berth/runner/run_options.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

// Creates the container described by `options` (see above). Errors: the image is not in
// the store (kNotFound), bad limits or mounts (kInvalidArgument), a taken name
// (kAlreadyExists).
Result<ContainerRecord> CreateContainer(const fs::path& store_root, RunOptions options);

// Creates and runs the container in the foreground and returns its exit code: its own
// status, or 128 + N when signal N killed it. On failure `*failure_exit_code` says 125
// (berth failed), 126 (the command cannot be run) or 127 (the command was not found).
// With `created`, the container's record is stored there as soon as it exists (the builder
// commits a step container's upper dir after it ran).
Result<int> RunContainer(const fs::path& store_root, const RunOptions& options,
                         int* failure_exit_code, ContainerRecord* created = nullptr);

// Where the detached machinery lives: the berth binary (for internal-launch and
// internal-cleanup) and berth-monitor.
struct DetachPrograms {
  fs::path berth;
  fs::path monitor;
};
// The programs next to the running berth: /proc/self/exe and berth-monitor in its directory
// ($BERTH_MONITOR overrides the latter). kNotFound when the monitor is missing.
Result<DetachPrograms> FindDetachPrograms();

// Starts the created or exited container `rec` under a new berth-monitor and returns once it
// runs (or failed to start: `*failure_exit_code` as for RunContainer).
Result<void> StartDetached(const fs::path& store_root, const ContainerRecord& rec,
                           const DetachPrograms& programs, int* failure_exit_code);

// `berth restart`: stops the container if it runs (`stop_signal`, SIGKILL after `timeout`,
// as StopContainer), then starts it detached as StartDetached does. A --rm container is kept
// across the restart.
Result<void> RestartContainer(const fs::path& store_root, const ContainerRecord& rec,
                              int stop_signal, std::chrono::seconds timeout,
                              const DetachPrograms& programs, int* failure_exit_code);

// The launcher, run by berth-monitor: sets up and launches container `id`, records it as
// running, writes "0 <pid>\n" (or "<exit code> <message>\n" on failure) to `ready_fd`, and
// returns, leaving the container to the monitor (its subreaper).
Result<void> LaunchDetached(const fs::path& store_root, const std::string& id, int ready_fd);

// Records that container `id` exited with `exit_code` (when known), whether it was
// OOM-killed, removes its cgroup, and removes the container if it was run with --rm.
// Idempotent.
Result<void> CleanupContainer(const fs::path& store_root, const std::string& id,
                              std::optional<int> exit_code);

// `berth rm`: kBusy for a running container unless `force` (then it is killed first).
Result<void> RemoveContainer(const fs::path& store_root, const ContainerRecord& rec, bool force);

}  // namespace berth::runner
