#include "step_workdir.hpp"

#include <fcntl.h>

#include "berth/base/fs.hpp"
#include "root_writer.hpp"
#include "step_mount.hpp"

namespace berth::builder {

Result<std::optional<StepLayer>> MakeWorkdir(BuildSession& s, const Step& step,
                                             const ImageState& state) {
  BERTH_ASSIGN_OR_RETURN(StepMount m, MountForStep(s, *state.record, true));
  RootWriter w(m.root.get());
  if (!w.IsDirectory(step.value)) {
    if (auto r = w.MakeDirs(step.value); !r) {
      return InstructionError(s.file, step.instruction, r.error().message);
    }
  }
  return CommitStepMount(s, m, state, /*skip_empty=*/true);
}

}  // namespace berth::builder
