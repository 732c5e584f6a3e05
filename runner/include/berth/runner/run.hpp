// Run: `berth run` in the foreground, from an image in the store to the container's exit.
//
// RunContainer() creates the container (containers/<id>, a hold on its image), mounts its
// overlay root in a private mount namespace of the calling process, writes the files it is
// given (/etc/hostname, /etc/hosts, /etc/resolv.conf), launches it, forwards SIGINT,
// SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to it, waits, records the exit and cleans
// up (with `remove`, nothing of the container stays). Needs root. Call it from a
// single-threaded process: it unshares the caller's mount namespace.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/container_plan.hpp"
#include "berth/runner/process.hpp"
#include "berth/runner/resource_limits.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

struct RunOptions {
  std::string image;         // name or id of an image in the store
  ProcessOverrides process;  // COMMAND, --entrypoint, -e, --env-file, -w, -u, -t
  std::string name;          // --name; generated when empty
  std::string hostname;      // --hostname; the short id when empty
  bool remove = false;       // --rm
  bool read_only = false;    // --read-only
  bool privileged = false;   // --privileged
  bool interactive = false;  // -i: the container reads berth's stdin
  NetworkMode network = NetworkMode::kNone;
  ResourceLimits limits;  // -m, --memory-swap, --cpus, --cpu-shares, --cpuset-cpus, --pids-limit
  // Told about settings that cannot take effect here (e.g. swap limits without swap
  // accounting), as podman prints "WARNING: ...".
  std::function<void(const std::string&)> warn;
};

// Runs the container and returns its exit code: its own status, or 128 + N when signal N
// killed it. On failure `*failure_exit_code` says 125 (berth failed), 126 (the command
// cannot be run) or 127 (the command was not found).
Result<int> RunContainer(const fs::path& store_root, const RunOptions& options,
                         int* failure_exit_code);

}  // namespace berth::runner
