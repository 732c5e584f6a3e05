#include "step_mount.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include "berth/base/fs.hpp"
#include "berth/runner/overlay_mount.hpp"
#include "step_layer.hpp"

namespace berth::builder {

Result<StepMount> MountForStep(BuildSession& s, const store::ImageRecord& image, bool writable) {
  StepMount m;
  m.dir = s.work.path() / ("mount-" + std::to_string(s.mounts++));
  BERTH_TRY(MakeDirs(m.dir / "merged"));
  std::optional<std::filesystem::path> upper, work;
  if (writable) {
    upper = m.dir / "upper";
    work = m.dir / "work";
    BERTH_TRY(MakeDirs(*upper));
    BERTH_TRY(MakeDirs(*work));
  }
  BERTH_ASSIGN_OR_RETURN(store::ImageView view, s.store->ReadImage(image));
  BERTH_ASSIGN_OR_RETURN(store::MountSpec spec,
                         s.store->ImageMountSpec(view, m.dir / "merged", upper, work));
  // The step's writes are committed as a layer from the upper dir, not read back through the
  // mount: no sync of the upper filesystem is needed at unmount.
  if (writable) spec.data += ",volatile";
  BERTH_ASSIGN_OR_RETURN(m.mount, runner::ApplyMount(spec));
  BERTH_ASSIGN_OR_RETURN(m.root, Open(m.dir / "merged", O_RDONLY | O_DIRECTORY));
  return m;
}

namespace {

Result<void> Unmount(StepMount& m) {
  m.root.Reset();
  std::filesystem::path target = m.mount.Release();
  if (target.empty() || ::umount2(target.c_str(), 0) == 0) return Ok();
  Error e = SysError("unmount " + target.string(), errno);
  (void)::umount2(target.c_str(), MNT_DETACH);
  return e;
}

}  // namespace

Result<std::optional<StepLayer>> CommitStepMount(BuildSession& s, StepMount& m,
                                                 const ImageState& state, bool skip_empty) {
  BERTH_TRY(Unmount(m));
  bool empty = false;
  if (skip_empty) {
    auto entries = ListDir(m.upper());
    empty = entries && entries->empty();
  }
  Result<std::optional<StepLayer>> layer = std::optional<StepLayer>();
  if (!empty) {
    auto made = CommitUpperLayer(*s.store, m.upper(), state.config.diff_ids, s.options->timestamp);
    if (made) {
      layer = std::optional<StepLayer>(std::move(*made));
    } else {
      layer = std::move(made).error();
    }
  }
  (void)RemoveTree(m.dir);
  return layer;
}

}  // namespace berth::builder
