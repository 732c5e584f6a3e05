// ExecInContainer: `berth exec`, another process in a running container.
//
// The process joins every namespace of the container's first process (one setns(2) on its
// pidfd), its cgroup, and runs with the container's user, environment and working
// directory unless overridden, under the same privilege rules as the first process.
// Needs root and a single-threaded caller (joining a mount namespace requires it).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/container_store.hpp"
#include "berth/runner/process.hpp"

namespace berth::runner {

struct ExecOptions {
  std::vector<std::string> command;    // required
  std::vector<std::string> env;        // -e, on top of the container's environment
  std::optional<std::string> user;     // -u; the container's user when unset
  std::optional<std::string> workdir;  // -w; the container's working directory when unset
  bool interactive = false;            // -i: the process reads berth's stdin
  bool tty = false;                    // -t: a new pty of the container is its terminal
};

// Runs the command and returns its exit code (128 + N when killed by signal N). On failure
// `*failure_exit_code` is 125, 126 (cannot be run) or 127 (not found). kInvalidArgument
// when the container does not run.
Result<int> ExecInContainer(const std::filesystem::path& store_root, const ContainerRecord& rec,
                            const ExecOptions& options, int* failure_exit_code);

}  // namespace berth::runner
