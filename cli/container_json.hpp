// How containers are shown: the rows of `berth ps` (table, templates and --format json) and
// the object of `berth inspect`, in the shapes podman prints.
//
// The run options a container was created with come from ContainerRecord::config_json,
// which the run code writes; it is read defensively (RunSettings): any missing or
// differently typed key simply falls back to what the record and the image config say.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "berth/runner/container_list.hpp"
#include "berth/store/oci.hpp"

namespace berth::cli {

// The run options that inspect shows, as far as config_json has them. Keys are matched
// without regard to case, '_' or '-', at the top level or inside an object named Config,
// HostConfig, Process, Limits or Resources (so both podman's inspect names, "Memory",
// "WorkingDir", and snake_case ones, "memory_swap", "workdir", are found).
struct RunSettings {
  std::optional<std::vector<std::string>> env, cmd, entrypoint;
  std::optional<std::string> working_dir, user, network;
  std::map<std::string, std::string> labels;
  bool tty = false, interactive = false, auto_remove = false, read_only = false, privileged = false;
  int64_t memory = 0, memory_swap = 0, nano_cpus = 0, cpu_shares = 0, pids_limit = 0;
  std::string cpuset_cpus;
};
RunSettings ParseRunSettings(const std::string& config_json);

// Everything podman's ps row offers to --format templates and the default table: ID,
// Image, Command (truncated to 17 characters + "..." unless no_trunc), CreatedHuman,
// CreatedAt, RunningFor, Status ("Up 5 seconds", "Exited (0) 2 minutes ago", "Created"),
// State, Ports, Names (the name), Pid, ExitCode, Exited, ExitedAt, StartedAt, ...
// `now` is Unix seconds.
nlohmann::json PsRow(const runner::ContainerEntry& e, bool no_trunc, int64_t now);

// One element of `podman ps --format json`.
nlohmann::ordered_json PsJson(const runner::ContainerEntry& e, int64_t now);

// The Status column ("Up 5 seconds", "Exited (0) 2 minutes ago", "Created").
std::string PsStatus(const runner::ContainerState& s, int64_t now);

// podman container inspect's object. `image` is the container's image config when the
// image is still in the store; `dir` the container's directory.
nlohmann::ordered_json ContainerInspectJson(const runner::ContainerEntry& e,
                                            const store::ImageConfig* image,
                                            const std::string& dir);

}  // namespace berth::cli
