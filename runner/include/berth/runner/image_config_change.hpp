// Image config changes: the `--change` / `-c` instructions of `berth commit`.
//
// A change is one Dockerfile instruction that edits the runtime part of an image config
// (store::ContainerConfig), as `podman commit --change` and `docker commit --change` take
// them: "CMD [\"sh\"]", "ENV A=1 B=\"two words\"", "EXPOSE 80 53/udp". Supported: CMD,
// ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR (case-
// insensitive). The instruction is separated from its value by white space or, as podman
// also allows, by '=' ("CMD=/bin/sh").
//
// Semantics follow podman: CMD and ENTRYPOINT replace (JSON form, or shell form run by the
// config's Shell or `/bin/sh -c`; setting one never clears the other); ENV and LABEL set keys
// (the `KEY=VALUE ...` form with Dockerfile quoting, or the legacy `KEY VALUE`); EXPOSE and
// VOLUME add to their sets (EXPOSE "80" means "80/tcp", "8000-8002" each port); WORKDIR
// replaces, a relative one joined onto the current working directory; USER and STOPSIGNAL
// replace; ONBUILD appends. `$VAR` references are kept literally (no expansion).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/oci.hpp"

namespace berth::runner {

// Applies `change` to `config`. kInvalidArgument naming the change for an unknown
// instruction, a missing value or a malformed one (bad port, bad quoting, a non-string in a
// JSON list); `config` is unchanged then.
Result<void> ApplyConfigChange(std::string_view change, store::ContainerConfig& config);

// Applies each change in order; stops at the first failure, leaving `config` unchanged.
Result<void> ApplyConfigChanges(const std::vector<std::string>& changes,
                                store::ContainerConfig& config);

}  // namespace berth::runner
