// ContainerStore: the containers of a store, one directory each.
//
//   containers/<id>/container.json   what was asked for (ContainerRecord), written once
//   containers/<id>/state.json       what is happening (ContainerState), replaced atomically
//   containers/<id>/upper, work      the overlay's writable layer
//   containers/<id>/merged           the overlay's mount point
//   containers/<id>/userdata/        hostname, hosts, resolv.conf given to the container
//   containers/<id>/ctr.log          output of a detached container
//
// A container directory enters by rename from the store's tmp/ with container.json and
// state.json already in it, so a crash never leaves a half-made container visible. Names are
// unique; creating and removing take containers/.lock. Methods are process-safe through that
// lock; a ContainerStore object is thread-compatible.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

enum class ContainerStatus { kCreated, kRunning, kStopped, kExited };
std::string_view StatusName(ContainerStatus s);  // "created", "running", "stopped", "exited"

struct ContainerState {
  ContainerStatus status = ContainerStatus::kCreated;
  pid_t pid = 0;          // the container's first process (host pid), while running
  pid_t monitor_pid = 0;  // the process that waits for it
  // When pid and monitor_pid started, in clock ticks after boot (field 22 of
  // /proc/<pid>/stat, see ProcessStartTime in container_observe.hpp), so that a reused pid is
  // not taken for the process recorded. 0 = unknown: the pid alone is trusted.
  uint64_t pid_start_time = 0;
  uint64_t monitor_start_time = 0;
  int exit_code = 0;
  bool oom_killed = false;
  int64_t started_at = 0;   // Unix nanoseconds; 0 = never
  int64_t finished_at = 0;  // Unix nanoseconds; 0 = not yet
  std::string error;        // why it could not start, if it could not
  bool operator==(const ContainerState&) const = default;
};

struct ContainerRecord {
  std::string id;              // 64 hex digits
  std::string name;            // unique
  std::string image;           // as the user named it
  std::string image_id;        // config digest "sha256:..."
  std::string image_manifest;  // manifest digest "sha256:..."
  int64_t created = 0;         // Unix nanoseconds
  std::string hostname;
  std::vector<std::string> command;  // the resolved argv
  // Set by `berth restart` before it stops the container: the exit's cleanup then keeps a
  // --rm container for the start that follows. Cleared when the container starts.
  bool restarting = false;
  std::string config_json;  // the run options, opaque to the store (for restart)
  bool operator==(const ContainerRecord&) const = default;
};

class ContainerStore {
 public:
  // `root` is the store root; containers live in root/containers and stage in root/tmp.
  explicit ContainerStore(fs::path root);

  // Gives `rec` a fresh id (a generated name when rec.name is empty, the short id as
  // hostname when rec.hostname is empty) and makes its
  // directory with state "created". kAlreadyExists when the name is taken (naming the
  // container that has it); kInvalidArgument for a name outside [a-zA-Z0-9][a-zA-Z0-9_.-]*.
  Result<ContainerRecord> Create(ContainerRecord rec);
  // By full id, unique id prefix (3+ digits) or name. kNotFound naming the input.
  Result<ContainerRecord> Find(std::string_view name_or_id) const;
  // Every container, oldest first. Unreadable entries are skipped.
  Result<std::vector<ContainerRecord>> List() const;
  // Replaces container.json (atomically) once more is known, e.g. the resolved command.
  Result<void> SaveRecord(const ContainerRecord& rec);
  Result<ContainerState> LoadState(const std::string& id) const;
  Result<void> SaveState(const std::string& id, const ContainerState& state);
  // Deletes the directory (it must be unmounted). Idempotent.
  Result<void> Remove(const std::string& id);

  // The exit codes of containers that went away with --rm, kept for `berth wait` in
  // containers/.exits/<id> for five minutes (podman keeps them too); older ones are dropped
  // on the next record.
  Result<void> RecordRemovedExit(const std::string& id, int exit_code);
  // By full id or unique id prefix (3+ digits); nullopt when none is kept.
  std::optional<int> RemovedExit(std::string_view id_or_prefix) const;

  fs::path Dir(const std::string& id) const { return root_ / "containers" / id; }

 private:
  fs::path root_;
};

// A podman-style generated name: "<adjective>_<surname>".
std::string GenerateName();

}  // namespace berth::runner
