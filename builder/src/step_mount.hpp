// Mounting images for build steps: a read-only view (COPY --from) or a writable one with a
// fresh upper dir (COPY, ADD, WORKDIR), in directories under the build's work dir. The build
// runs in a private mount namespace (overlay_mount.hpp), so nothing of this reaches the host.
#pragma once

#include <filesystem>

#include "berth/base/result.hpp"
#include "berth/base/scoped_mount.hpp"
#include "berth/base/unique_fd.hpp"
#include "build_session.hpp"

namespace berth::builder {

struct StepMount {
  std::filesystem::path dir;  // holds merged/ (and upper/, work/ when writable)
  UniqueFd root;              // merged, O_PATH directory
  ScopedMount mount;          // declared last: unmounted first
  std::filesystem::path upper() const { return dir / "upper"; }
};

// Mounts `image` under a new directory of the work dir; `writable` adds upper/ and work/.
Result<StepMount> MountForStep(BuildSession& s, const store::ImageRecord& image, bool writable);

// Unmounts, keeping the directory (its upper dir becomes a layer). A mount that cannot go
// at once is detached (it goes when the last user does) and the error returned.
Result<void> UnmountStep(StepMount& m);

// Unmounts and removes the directory (the upper dir, once committed, is no longer needed).
Result<void> ReleaseStepMount(StepMount& m);

}  // namespace berth::builder
