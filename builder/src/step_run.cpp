#include "step_run.hpp"

#include "berth/base/fs.hpp"
#include "berth/runner/container_store.hpp"
#include "berth/runner/mount_request.hpp"
#include "berth/runner/run.hpp"
#include "step_layer.hpp"

namespace berth::builder {

Result<StepLayer> RunStep(BuildSession& s, const Step& step, const ImageState& state) {
  runner::RunOptions o;
  o.image = state.record->config.String();
  o.process.entrypoint = "";  // the image's ENTRYPOINT never wraps a RUN
  o.process.command = step.argv;
  if (!step.run_script.empty()) {
    // A heredoc with its own interpreter (#!) runs as an executable file (BuildKit's rule).
    // It is bound into the container's /dev, a tmpfs, so it is not part of the layer.
    std::filesystem::path script = s.work.path() / ("script-" + std::to_string(s.mounts++));
    BERTH_TRY(WriteFileAtomic(script, step.run_script, 0755));
    runner::MountRequest m;
    m.type = runner::MountRequest::Type::kBind;
    m.source = script.string();
    m.destination = "/dev/.berth-run-script";
    m.read_only = true;
    o.mounts.push_back(std::move(m));
    o.process.command = {"/dev/.berth-run-script"};
  }
  o.process.env = step.arg_env;
  o.network = s.options->network;
  o.warn = s.options->warn;
  int failure = 125;
  runner::ContainerRecord rec;
  auto code = runner::RunContainer(s.options->store_root, o, &failure, &rec);
  auto remove = [&] {
    if (!rec.id.empty()) (void)runner::RemoveContainer(s.options->store_root, rec, true);
  };
  if (!code) {
    remove();
    return InstructionError(s.file, step.instruction, code.error().message);
  }
  if (*code != 0) {
    remove();
    return InstructionError(s.file, step.instruction, "exit status " + std::to_string(*code));
  }
  runner::ContainerStore containers(s.options->store_root);
  auto layer = CommitUpperLayer(*s.store, containers.Dir(rec.id) / "upper", state.config.diff_ids,
                                s.options->timestamp);
  remove();
  return layer;
}

}  // namespace berth::builder
