// Mounting images for build steps: a read-only view (COPY --from) or a writable one with a
// fresh upper dir (COPY, ADD, WORKDIR), in directories under the build's work dir. The build
// runs in a private mount namespace (overlay_mount.hpp), so nothing of this reaches the host.
#pragma once

#include <filesystem>
#include <optional>

#include "berth/base/result.hpp"
#include "berth/base/scoped_mount.hpp"
#include "berth/base/unique_fd.hpp"
#include "build_session.hpp"
#include "step_image.hpp"

namespace berth::builder {

struct StepMount {
  std::filesystem::path dir;  // holds merged/ (and upper/, work/ when writable)
  UniqueFd root;              // merged, a directory fd
  ScopedMount mount;          // declared last: unmounted first
  std::filesystem::path upper() const { return dir / "upper"; }
};

// Mounts `image` under a new directory of the work dir; `writable` adds upper/ and work/.
Result<StepMount> MountForStep(BuildSession& s, const store::ImageRecord& image, bool writable);

// Unmounts `m` (a writable mount), makes its upper dir the step's layer (CommitUpperLayer;
// none when `skip_empty` and the step changed nothing) and removes the mount's directory.
// A mount that cannot go at once is detached (it goes with its last user) and the error
// returned.
Result<std::optional<StepLayer>> CommitStepMount(BuildSession& s, StepMount& m,
                                                 const ImageState& state, bool skip_empty);

}  // namespace berth::builder
