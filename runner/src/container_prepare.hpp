// Everything a container needs before its first process is cloned, shared by the
// foreground run and the detached launcher.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/base/scoped_mount.hpp"
#include "berth/runner/container_cgroup.hpp"
#include "berth/runner/container_plan.hpp"
#include "berth/runner/container_store.hpp"
#include "berth/runner/run_options.hpp"

namespace berth::runner {

struct PreparedContainer {
  ContainerRecord rec;
  RunOptions options;
  ScopedMount rootfs;      // the overlay, in this process's private mount namespace
  ContainerCgroup cgroup;  // created with the limits; the first process joins it
  ContainerPlan plan;
  UniqueFd init_program;  // --init: berth-init in a memfd (helper_program.hpp)
};

// Enters a private mount namespace, mounts the container's overlay, prepares its volumes
// and files, resolves its process, loads berth-init (--init), creates its cgroup and builds
// the plan. Needs root.
// `warn` hears about limits that cannot take effect (may be empty).
Result<PreparedContainer> PrepareContainer(const std::filesystem::path& store_root,
                                           const ContainerRecord& rec,
                                           const std::function<void(const std::string&)>& warn);

// Unix time in nanoseconds, as container records keep it.
int64_t NowNanos();

// berth's own environment, for `-e KEY` (copy the caller's value) and --env-file.
std::vector<std::string> CallerEnv();

}  // namespace berth::runner
