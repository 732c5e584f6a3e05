// RunOptions: what `berth run` was asked for, kept with the container (container.json's
// Config) so that `start`, `restart`, `inspect` and the detached launcher see the same.
//
// The JSON form is berth's own: every field is written, unknown fields are ignored when read
// back, so a container made by an older berth still starts. Value type.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/container_plan.hpp"
#include "berth/runner/mount_request.hpp"
#include "berth/runner/privileges.hpp"
#include "berth/runner/process.hpp"
#include "berth/runner/resource_limits.hpp"

namespace berth::runner {

struct RunOptions {
  std::string image;                  // name or id of an image in the store
  ProcessOverrides process;           // COMMAND, --entrypoint, -e, --env-file, -w, -u, -t
  std::string name;                   // --name; generated when empty
  std::string hostname;               // --hostname; the short id when empty
  bool remove = false;                // --rm
  bool read_only = false;             // --read-only
  bool privileged = false;            // --privileged
  bool init = false;                  // --init: berth-init is PID 1 and runs the process
  std::vector<std::string> cap_add;   // --cap-add
  std::vector<std::string> cap_drop;  // --cap-drop
  std::string seccomp;                // --security-opt seccomp=VALUE ("" = default profile)
  std::vector<std::string> ulimits;   // --ulimit
  bool interactive = false;           // -i: the container reads berth's stdin
  bool detach = false;                // -d
  NetworkMode network = NetworkMode::kNone;
  ResourceLimits limits;  // -m, --memory-swap, --cpus, --cpu-shares, --cpuset-cpus, --pids-limit
  // -v, --mount, --tmpfs and the image's VOLUMEs; CreateContainer names the anonymous ones.
  std::vector<MountRequest> mounts;
  // Told about settings that cannot take effect here (e.g. swap limits without swap
  // accounting), as podman prints "WARNING: ...". Not saved.
  std::function<void(const std::string&)> warn;
};

// The privilege part of the options.
PrivilegeOptions PrivilegeOptionsOf(const RunOptions& o);

std::string RunOptionsToJson(const RunOptions& o);
// kInvalidArgument naming the field when `json` is malformed.
Result<RunOptions> RunOptionsFromJson(std::string_view json);

}  // namespace berth::runner
