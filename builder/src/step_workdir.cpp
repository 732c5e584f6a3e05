#include "step_workdir.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include "berth/base/fs.hpp"
#include "root_writer.hpp"
#include "step_layer.hpp"
#include "step_mount.hpp"

namespace berth::builder {

Result<std::optional<StepLayer>> MakeWorkdir(BuildSession& s, const Step& step,
                                             const ImageState& state) {
  BERTH_ASSIGN_OR_RETURN(StepMount m, MountForStep(s, *state.record, true));
  std::optional<StepLayer> layer;
  {
    BERTH_ASSIGN_OR_RETURN(UniqueFd root, Open(m.dir / "merged", O_RDONLY | O_DIRECTORY));
    RootWriter w(root.get());
    if (!w.IsDirectory(step.value)) {
      if (auto r = w.MakeDirs(step.value); !r) {
        return InstructionError(s.file, step.instruction, r.error().message);
      }
    }
  }
  BERTH_TRY(UnmountStep(m));
  auto entries = ListDir(m.upper());
  if (entries && !entries->empty()) {
    BERTH_ASSIGN_OR_RETURN(
        layer, CommitUpperLayer(*s.store, m.upper(), state.config.diff_ids, s.options->timestamp));
  }
  (void)RemoveTree(m.dir);
  return layer;
}

}  // namespace berth::builder
