// BuildImage: parse, plan, then each stage step by step (see build.hpp).
#include "berth/builder/build.hpp"

#include <fcntl.h>

#include <cstdlib>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/builder/containerfile.hpp"
#include "berth/builder/stage_plan.hpp"
#include "berth/runner/overlay_mount.hpp"
#include "berth/store/reference.hpp"
#include "build_session.hpp"
#include "config_apply.hpp"
#include "step_copy.hpp"
#include "step_image.hpp"
#include "step_run.hpp"
#include "step_workdir.hpp"

namespace berth::builder {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool HasEnv(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& e : env) {
    if (e.compare(0, key.size() + 1, key + "=") == 0) return true;
  }
  return false;
}

// Base images by reference, each asked for once (the planner and the stage both need it).
class BaseImages {
 public:
  explicit BaseImages(BuildSession& s) : s_(s) {}
  Result<store::ImageRecord> Get(std::string_view ref, std::string_view platform) {
    std::string key = std::string(ref) + "|" + std::string(platform);
    if (auto it = known_.find(key); it != known_.end()) return it->second;
    BERTH_ASSIGN_OR_RETURN(store::ImageRecord rec, s_.options->ensure_image(ref, platform));
    known_[key] = rec;
    return rec;
  }

 private:
  BuildSession& s_;
  std::map<std::string, store::ImageRecord> known_;
};

class StageBuilder {
 public:
  StageBuilder(BuildSession& s, BaseImages& bases, const StagePlan& stage, std::string prefix)
      : s_(s), bases_(bases), stage_(stage), prefix_(std::move(prefix)) {}

  Result<store::ImageRecord> Build(bool target);

 private:
  Result<void> Start();
  Result<void> Step(const builder::Step& step);
  // The step's image from the cache, if the key has one; reports the hit.
  bool FromCache(const std::string& key);
  Result<void> Commit(const std::optional<StepLayer>& layer, const std::string& created_by,
                      const std::string& key);

  BuildSession& s_;
  BaseImages& bases_;
  const StagePlan& stage_;
  std::string prefix_;  // "[1/2] " in multi-stage builds
  ImageState state_;
  bool cmd_set_ = false;
  int n_ = 1;
};

Result<void> StageBuilder::Start() {
  s_.Progress(prefix_ + "STEP 1/" + std::to_string(stage_.steps.size() + 1) + ": " +
              stage_.from.original);
  switch (stage_.base.kind) {
    case SourceRef::Kind::kStage: {
      auto it = s_.stages.find(stage_.base.stage);
      if (it == s_.stages.end()) {
        return InstructionError(s_.file, stage_.from, "the stage it builds on was not built");
      }
      BERTH_ASSIGN_OR_RETURN(state_, StateOf(*s_.store, it->second));
      break;
    }
    case SourceRef::Kind::kImage: {
      auto rec = bases_.Get(stage_.base.image, stage_.platform);
      if (!rec) return InstructionError(s_.file, stage_.from, rec.error().message);
      BERTH_ASSIGN_OR_RETURN(state_, StateOf(*s_.store, *rec));
      break;
    }
    default:
      state_ = ScratchState(s_.options->platform);
      break;
  }
  bool changed = !state_.record;
  // As BuildKit: an image without PATH gets the default one, which RUN relies on.
  if (!HasEnv(state_.config.config.env, "PATH")) {
    SetEnv(state_.config.config.env, "PATH", kDefaultPath);
    changed = true;
  }
  // The base's ONBUILD triggers run in this stage (the planner put them first) and are used
  // up: the new image does not carry them on, as with Docker.
  if (!state_.config.config.on_build.empty()) {
    state_.config.config.on_build.clear();
    changed = true;
  }
  if (changed) BERTH_TRY(RecordImage(*s_.store, state_));
  return Ok();
}

bool StageBuilder::FromCache(const std::string& key) {
  if (s_.options->no_cache) return false;
  auto hit = s_.cache.Lookup(*s_.store, key);
  if (!hit) return false;
  auto state = StateOf(*s_.store, *hit);
  if (!state) return false;
  state_ = std::move(*state);
  s_.Progress("--> Using cache " + hit->config.hex());
  return true;
}

Result<void> StageBuilder::Commit(const std::optional<StepLayer>& layer,
                                  const std::string& created_by, const std::string& key) {
  BERTH_TRY(CommitStep(*s_.store, state_, layer, created_by, s_.created));
  BERTH_TRY(s_.cache.Record(key, *state_.record));
  s_.Progress("--> " + state_.record->config.Short());
  return Ok();
}

Result<void> StageBuilder::Step(const builder::Step& step) {
  ++n_;
  s_.Progress(prefix_ + "STEP " + std::to_string(n_) + "/" +
              std::to_string(stage_.steps.size() + 1) + ": " + step.instruction.original);
  std::string parent = state_.record ? state_.record->config.String() : "";
  switch (step.kind) {
    case StepKind::kRun: {
      std::string key = StepCacheKey(parent, step.cache_key, "");
      if (FromCache(key)) return Ok();
      BERTH_ASSIGN_OR_RETURN(StepLayer layer, RunStep(s_, step, state_));
      return Commit(layer, step.created_by, key);
    }
    case StepKind::kCopy:
    case StepKind::kAdd: {
      BERTH_ASSIGN_OR_RETURN(PreparedCopy copy, PrepareCopy(s_, step));
      std::string key = StepCacheKey(parent, step.cache_key, copy.content_key);
      if (FromCache(key)) return Ok();
      BERTH_ASSIGN_OR_RETURN(StepLayer layer, RunCopy(s_, step, copy, state_));
      return Commit(layer, CopyCreatedBy(step, copy), key);
    }
    case StepKind::kWorkdir: {
      std::string key = StepCacheKey(parent, step.cache_key, "");
      if (FromCache(key)) return Ok();
      BERTH_ASSIGN_OR_RETURN(std::optional<StepLayer> layer, MakeWorkdir(s_, step, state_));
      BERTH_TRY(ApplyMetadataStep(step, s_.file, cmd_set_, state_.config));
      return Commit(layer, step.created_by, key);
    }
    default: {
      if (step.kind == StepKind::kCmd) cmd_set_ = true;
      std::string key = StepCacheKey(parent, step.cache_key, "");
      if (FromCache(key)) return Ok();
      BERTH_TRY(ApplyMetadataStep(step, s_.file, cmd_set_, state_.config));
      return Commit(std::nullopt, step.created_by, key);
    }
  }
}

Result<store::ImageRecord> StageBuilder::Build(bool target) {
  BERTH_TRY(Start());
  for (const builder::Step& step : stage_.steps) BERTH_TRY(Step(step));
  if (target && !s_.options->labels.empty()) {
    ApplyLabels(s_.options->labels, state_.config);
    BERTH_TRY(RecordImage(*s_.store, state_));
  }
  return *state_.record;
}

Result<BuildPlan> Plan(BuildSession& s, BaseImages& bases) {
  const BuildOptions& o = *s.options;
  BERTH_ASSIGN_OR_RETURN(Containerfile file, Parse(o.containerfile, o.containerfile_name));
  PlanOptions po;
  po.build_args = o.build_args;
  po.environment = [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
  po.target = o.target;
  po.target_platform = o.platform;
  po.build_platform = o.platform;
  po.base_config = [&](std::string_view image,
                       std::string_view platform) -> Result<store::ContainerConfig> {
    BERTH_ASSIGN_OR_RETURN(store::ImageRecord rec, bases.Get(image, platform));
    BERTH_ASSIGN_OR_RETURN(store::ImageView view, s.store->ReadImage(rec));
    return view.config.config;
  };
  return PlanBuild(file, po);
}

}  // namespace

Result<BuildResult> BuildImage(const BuildOptions& o) {
  BERTH_TRY(runner::EnterPrivateMountNamespace());
  BuildSession s;
  s.options = &o;
  s.file = o.containerfile_name;
  BERTH_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(o.store_root));
  s.store = &store;
  auto context = Open(o.context, O_RDONLY | O_DIRECTORY);
  if (!context) return std::move(context).error().Context("build context " + o.context.string());
  s.context_fd = std::move(*context);
  BERTH_ASSIGN_OR_RETURN(s.rules, LoadIgnoreRules(s.context_fd.get()));
  s.created = FormatRfc3339(o.timestamp);
  s.cache = BuildCache(o.store_root);
  BERTH_ASSIGN_OR_RETURN(s.work, TempDir::Create(store.tmp_dir(), "build-"));
  BaseImages bases(s);
  BERTH_ASSIGN_OR_RETURN(BuildPlan plan, Plan(s, bases));
  if (o.warn) {
    for (const auto& w : plan.warnings) o.warn(w);
  }
  BuildResult result;
  for (size_t i = 0; i < plan.stages.size(); ++i) {
    const StagePlan& stage = plan.stages[i];
    std::string prefix = plan.stages.size() > 1 ? "[" + std::to_string(i + 1) + "/" +
                                                      std::to_string(plan.stages.size()) + "] "
                                                : "";
    StageBuilder b(s, bases, stage, prefix);
    BERTH_ASSIGN_OR_RETURN(store::ImageRecord image, b.Build(i + 1 == plan.stages.size()));
    s.stages[stage.index] = image;
    result.image = image;
  }
  for (const auto& tag : o.tags) {
    auto ref = store::Reference::Parse(tag);
    if (!ref) return std::move(ref).error().Context("tag " + tag);
    BERTH_TRY(store.Tag(result.image, ref->String()));
  }
  if (!o.tags.empty()) {
    BERTH_ASSIGN_OR_RETURN(result.image, store.FindImage(result.image.config.String()));
  }
  return result;
}

}  // namespace berth::builder
