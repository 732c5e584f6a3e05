// Carrying out the store's mount descriptions, and image mounts (`berth image mount`).
//
// The store describes overlay mounts with lowerdirs relative to its root (short links, so
// 128+ layers fit one page of options); ApplyMount performs the mount from a thread that
// has unshared its filesystem context (CLONE_FS) and changed into that root, so the calling
// process's working directory never changes. Needs CAP_SYS_ADMIN in the mount namespace.
#pragma once

#include <filesystem>

#include "berth/base/result.hpp"
#include "berth/base/scoped_mount.hpp"
#include "berth/store/overlay.hpp"
#include "berth/store/store.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

// Moves the calling process (single-threaded) into a new mount namespace in which every mount
// is private: what it mounts from then on stays in that namespace, and the kernel takes it
// down when the process (and any container started from it) ends, however it ends.
Result<void> EnterPrivateMountNamespace();

// Mounts `spec`; the returned guard unmounts unless released. Errors carry hints for the
// errnos that mislead (EINVAL from overlay on overlay, ENOSPC for the mount limit).
Result<ScopedMount> ApplyMount(const store::MountSpec& spec);

// Mounts the image's layers read-only at the store's mount point for it and returns the
// merged directory. Already mounted: returns the same path. The mount outlives the process,
// as with `podman image mount`.
Result<fs::path> MountImage(store::Store& store, const store::ImageView& image);
// Unmounts what MountImage mounted; kNotFound (naming the image) if it is not mounted.
Result<void> UnmountImage(store::Store& store, const store::ImageRecord& image);

}  // namespace berth::runner
