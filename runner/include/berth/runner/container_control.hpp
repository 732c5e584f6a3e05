// Signalling and waiting for a running container: `berth kill`, `berth stop`, `berth wait`.
// (`berth restart` is in run.hpp: it starts the container again.)
//
// The container's first process is found from its recorded pid, and checked to still be the
// container's (its /proc/<pid>/cgroup names the container's cgroup) before anything is sent,
// so a recycled pid never gets a signal meant for a container. Signals go through a pidfd.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/runner/container_store.hpp"

namespace berth::runner {

// A pidfd for the container's first process, checked to be in the container's cgroup;
// an invalid fd when the container does not run.
UniqueFd OpenContainerProcess(const ContainerRecord& rec, const ContainerState& state);

// The signal `berth stop` sends first: the StopSignal of the container's image, as podman
// honours it; SIGTERM when it has none or the image cannot be read.
int ContainerStopSignal(const std::filesystem::path& store_root, const ContainerRecord& rec);

// "TERM", "SIGTERM", "15" -> 15. kInvalidArgument naming the text otherwise.
Result<int> ParseSignal(std::string_view text);

// Sends `signal` to the container's first process. kInvalidArgument ("container X is not
// running") when it does not run.
Result<void> KillContainer(const std::filesystem::path& store_root, const ContainerRecord& rec,
                           int signal);

// `berth stop`: sends `signal` (the image's StopSignal, else SIGTERM: the caller decides),
// waits up to `timeout` for the container to exit, then sends SIGKILL; returns once the
// exit is recorded. A container that does not run is success (podman does the same).
Result<void> StopContainer(const std::filesystem::path& store_root, const ContainerRecord& rec,
                           int signal, std::chrono::seconds timeout);

// Blocks until the container is not running and its exit is recorded; returns the exit
// code.
Result<int> WaitContainer(const std::filesystem::path& store_root, const ContainerRecord& rec);

}  // namespace berth::runner
