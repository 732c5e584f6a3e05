// What process a container starts: argv, environment, working directory and credentials,
// from the image config and the user's `berth run` flags.
//
// ResolveProcess is the pure part of starting a container, called in the parent before
// clone(): it reads only the container's /etc/passwd and /etc/group (through the rootfs fd,
// never leaving the rootfs) and the user's env files, and returns a ProcessSpec that the
// launch code carries out. The rules are docker's and podman's (where they differ, the
// choice is noted):
// - argv: ENTRYPOINT + CMD; arguments after the image replace CMD; --entrypoint replaces
//   ENTRYPOINT and drops the image's CMD; --entrypoint "" clears both; a JSON array
//   (`--entrypoint '["sh","-c"]'`) is a multi-word entrypoint (podman).
// - env, each later source replacing earlier values in place: PATH (default), HOSTNAME,
//   TERM=xterm with a tty, container=berth (podman sets container=podman), the image's Env,
//   the --env-file files in order, the -e flags in order; then HOME from the user's passwd
//   entry ("/" without one) unless already set.
// - cwd: -w, else the image's WorkingDir, else "/"; must be absolute; cleaned lexically.
// - user: -u, else the image's User; see exec_user.hpp.
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/oci.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

// The `berth run` flags that shape the process.
struct ProcessOverrides {
  std::optional<std::string> entrypoint;  // --entrypoint; "" clears the image's
  std::vector<std::string> command;       // the arguments after IMAGE
  std::vector<std::string> env;           // -e K=V, or -e K (copy the caller's K), or -e K*
  std::vector<fs::path> env_files;        // --env-file, in order
  std::optional<std::string> workdir;     // -w; "" means not given
  std::optional<std::string> user;        // -u user[:group]; "" means not given
  bool tty = false;                       // -t
  std::string hostname;                   // the container's hostname, for HOSTNAME
};

struct ProcessSpec {
  std::vector<std::string> argv;  // never empty
  std::vector<std::string> env;   // "K=V", each K once
  std::string cwd;                // absolute and clean
  // Whether the launch creates `cwd` when it is missing. podman creates the image's
  // WorkingDir but requires a -w directory to exist ("workdir ... does not exist").
  bool create_cwd = false;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;  // for setgroups(2); the primary gid first
};

// Resolves the process for `image` (the image config's `config` part) under `overrides`.
// `rootfs_fd` is the container's root directory (borrowed; only /etc/passwd and /etc/group are
// read, resolved inside it). `caller_env` is berth's own environment ("K=V"), the source of
// bare -e K and env-file K entries. Errors (all kInvalidArgument unless a file read fails):
// no command at all; a relative working directory ("the working directory 'x' is invalid, it
// needs to be an absolute path"); an -e with an empty name; a malformed env-file line
// (naming file and line) or an unreadable env file (its read error); an unknown user or
// group name or an out-of-range id.
Result<ProcessSpec> ResolveProcess(const store::ContainerConfig& image,
                                   const ProcessOverrides& overrides, int rootfs_fd,
                                   const std::vector<std::string>& caller_env);

}  // namespace berth::runner
