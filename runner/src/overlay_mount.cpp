#include "berth/runner/overlay_mount.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

Error MountError(const store::MountSpec& spec, int err) {
  Error e = SysError("mount " + spec.fstype + " on " + Quote(spec.target.string()), err);
  if (spec.fstype == "overlay" && err == EINVAL) {
    e.hint =
        "the kernel rejected the overlay options; is the store on overlayfs, or a layer "
        "directory missing?";
  } else if (err == ENOSPC) {
    e.hint = "ENOSPC from mount means the mount-count limit (fs.mount-max), not disk space";
  } else if (err == EPERM) {
    e.hint = "mounting needs CAP_SYS_ADMIN (run as root)";
  }
  return e;
}

}  // namespace

Result<void> EnterPrivateMountNamespace() {
  if (::unshare(CLONE_NEWNS) < 0) {
    Error e = SysError("unshare mount namespace", errno);
    if (errno == EPERM) e.hint = "running containers needs root";
    return e;
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    return SysError("make mounts private", errno);
  }
  return Ok();
}

Result<ScopedMount> ApplyMount(const store::MountSpec& spec) {
  int err = 0;
  auto do_mount = [&] {
    if (!spec.chdir.empty()) {
      // unshare(CLONE_FS) gives this thread its own cwd, so chdir does not move the rest of
      // the process (mount(2) resolves relative lowerdirs against the caller's cwd).
      if (::unshare(CLONE_FS) < 0 || ::chdir(spec.chdir.c_str()) < 0) {
        err = errno;
        return;
      }
    }
    if (::mount(spec.source.c_str(), spec.target.c_str(), spec.fstype.c_str(), spec.flags,
                spec.data.empty() ? nullptr : spec.data.c_str()) < 0) {
      err = errno;
    }
  };
  if (spec.chdir.empty()) {
    do_mount();
  } else {
    std::thread t(do_mount);
    t.join();
  }
  if (err) return MountError(spec, err);
  return ScopedMount(spec.target);
}

Result<fs::path> MountImage(store::Store& store, const store::ImageView& image) {
  fs::path merged = store.ImageMountPoint(image.record);
  if (store.IsImageMounted(image.record)) return merged;
  BERTH_TRY(MakeDirs(merged));
  BERTH_ASSIGN_OR_RETURN(store::MountSpec spec, store.ImageMountSpec(image, merged));
  auto guard = ApplyMount(spec);
  if (!guard) return std::move(guard).error().Context("mount image " + image.record.config.Short());
  guard->Release();
  return merged;
}

Result<void> UnmountImage(store::Store& store, const store::ImageRecord& image) {
  fs::path merged = store.ImageMountPoint(image);
  if (!store.IsImageMounted(image)) {
    return MakeError(ErrorCode::kNotFound, "image " + image.config.Short() + " is not mounted");
  }
  if (::umount2(merged.c_str(), 0) < 0) {
    Error e = SysError("unmount " + Quote(merged.string()), errno);
    if (errno == EBUSY) e.hint = "a process still uses the mount";
    return e;
  }
  (void)RemoveTree(merged.parent_path());
  return Ok();
}

}  // namespace berth::runner
