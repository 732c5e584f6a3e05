// Listing containers for `berth ps`: which containers, in which order, with their observed
// state (container_observe.hpp), selected the way podman's ps selects them.
//
//   - without `all`, only running containers; a status filter, --last or --latest imply all
//   - filters: id=<prefix>, name=<regex> (unanchored, as Go's regexp.MatchString),
//     status=created|running|exited|stopped|paused|unknown (stopped matches exited too),
//     exited=<exit code>; values of one key are alternatives (OR), different keys must all
//     match (AND)
//   - order: oldest first; --last N keeps the N newest (then oldest first), --latest is -n 1
//
// Functions read the store (and /proc); ListContainers may save corrected states as
// ObservedState does. Thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/container_observe.hpp"
#include "berth/runner/container_store.hpp"
#include "berth/runner/volume_store.hpp"

namespace berth::runner {

struct ContainerFilters {
  std::vector<std::string> ids;       // prefixes of the full id
  std::vector<std::string> names;     // the regexes as given
  std::vector<std::string> statuses;  // valid status words
  std::vector<int> exit_codes;        // exited=N: exited containers with that code
  bool empty() const {
    return ids.empty() && names.empty() && statuses.empty() && exit_codes.empty();
  }
};

// Parses --filter values ("name=web", "status=exited"). kInvalidArgument naming the value
// for a missing '=', an unknown key, an unknown status, a bad regex or exit code.
Result<ContainerFilters> ParseContainerFilters(const std::vector<std::string>& specs);

struct ListOptions {
  bool all = false;            // -a
  std::optional<size_t> last;  // -n N
  bool latest = false;         // -l
  ContainerFilters filters;    // --filter
  ObserveOptions observe;      // /proc root; whether to save corrected states
};

struct ContainerEntry {
  ContainerRecord record;
  ContainerState state;  // observed, not merely recorded
};

// The containers `berth ps` shows. A container whose state cannot be read (being removed,
// or a damaged state.json) is left out. Errors: listing the store's containers directory;
// an invalid name regex (kInvalidArgument).
Result<std::vector<ContainerEntry>> ListContainers(ContainerStore& store,
                                                   const ListOptions& options);

// Whether `entry` passes `filters` (see above). kInvalidArgument for an invalid regex.
Result<bool> MatchesFilters(const ContainerEntry& entry, const ContainerFilters& filters);

// Which containers use each volume (named or anonymous), from the volume mounts of their
// recorded run options: full ids, oldest container first. Every container counts (podman
// keeps a volume of an exited container too), or with `running_only` those running now.
Result<VolumeUsers> VolumeUsersOf(ContainerStore& store, bool running_only);

}  // namespace berth::runner
