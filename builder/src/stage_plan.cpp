// PlanBuild: stages, then the target and what it needs (growing while base images' ONBUILD
// triggers add COPY --from stages, as BuildKit's resolveStages does), then each needed stage's
// steps in file order.
#include "berth/builder/stage_plan.hpp"

#include <map>
#include <optional>

#include "arg_expander.hpp"
#include "build_args.hpp"
#include "stage_graph.hpp"
#include "stage_scope.hpp"
#include "step_planner.hpp"

namespace berth::builder {

namespace {

// A stage's base image: its config and its ONBUILD triggers, parsed.
struct BaseImage {
  store::ContainerConfig config;
  std::vector<Instruction> triggers;
};

class Planner {
 public:
  Planner(const Containerfile& file, const PlanOptions& options, BuildPlan& plan)
      : file_(file),
        options_(options),
        plan_(plan),
        args_(options),
        expander_(file.file_name, file.escape, args_, &plan.warnings),
        globals_(args_.GlobalLookup()) {}

  Result<void> Run() {
    BERTH_ASSIGN_OR_RETURN(graph_, SplitStages(file_));
    BERTH_TRY(args_.DeclareGlobals(file_.file_name, graph_.globals, file_.escape));
    MarkStageArgs();
    BERTH_TRY(ResolveStages(graph_, expander_, globals_));
    BERTH_ASSIGN_OR_RETURN(int target, FindTarget(graph_, options_.target));
    BERTH_ASSIGN_OR_RETURN(std::vector<int> needed, LoadBases(target));
    scopes_.resize(graph_.stages.size());
    platforms_.resize(graph_.stages.size());
    for (int index : needed) BERTH_TRY(PlanStage(index));
    plan_.stage_count = static_cast<int>(graph_.stages.size());
    if (std::string unused = args_.UnusedWarning(); !unused.empty()) {
      plan_.warnings.push_back(std::move(unused));
    }
    return Ok();
  }

 private:
  // Every ARG of the file counts as consuming its build arg, built stage or not (buildah).
  void MarkStageArgs() {
    for (const StageNode& stage : graph_.stages) {
      for (const Instruction* in : stage.body) {
        const Instruction* arg = in->keyword == "ONBUILD" ? in->trigger.get() : in;
        if (arg == nullptr || arg->keyword != "ARG") continue;
        for (const KeyValue& pair : arg->pairs) args_.MarkDeclared(pair.key);
      }
    }
  }

  // Looks up the base image of each needed stage (once), adding what its triggers need, until
  // the set of needed stages stops growing. Returns that set in file order.
  Result<std::vector<int>> LoadBases(int target) {
    std::vector<int> needed = Reachable(graph_, target);
    for (;;) {
      bool grew = false;
      for (int index : needed) {
        StageNode& stage = graph_.stages[index];
        if (stage.base.kind != SourceRef::Kind::kImage || bases_.count(index)) continue;
        BERTH_ASSIGN_OR_RETURN(BaseImage base, LoadBase(stage));
        for (const Instruction& trigger : base.triggers) {
          BERTH_ASSIGN_OR_RETURN(std::vector<int> needs,
                                 InstructionNeeds(graph_, index, trigger, expander_, globals_));
          for (int need : needs) grew |= stage.needs.insert(need).second;
        }
        bases_[index] = std::move(base);
      }
      if (!grew) return needed;
      needed = Reachable(graph_, target);
    }
  }

  Result<BaseImage> LoadBase(const StageNode& stage) {
    BaseImage base;
    if (options_.base_config) {
      auto config = options_.base_config(stage.base.image, stage.platform);
      if (!config) {
        return config.error().Context(file_.file_name + ":" + std::to_string(stage.from->line) +
                                      ": load config of base image " + stage.base.image);
      }
      base.config = std::move(*config);
    }
    for (const std::string& text : base.config.on_build) {
      BERTH_ASSIGN_OR_RETURN(Instruction trigger, ParseImageTrigger(*stage.from, text));
      base.triggers.push_back(std::move(trigger));
    }
    return base;
  }

  // One entry of a base image's OnBuild list, located at the FROM line that inherits it.
  Result<Instruction> ParseImageTrigger(const Instruction& from, const std::string& text) {
    auto parsed = Parse(text, "ONBUILD");
    if (!parsed) {
      return expander_.Fail(
          from, "bad ONBUILD trigger in the base image (" + parsed.error().message + ")");
    }
    if (parsed->instructions.size() != 1) {
      return expander_.Fail(from,
                            "ONBUILD trigger in the base image is not one instruction: " + text);
    }
    Instruction trigger = std::move(parsed->instructions[0]);
    const std::string& k = trigger.keyword;
    if (k == "FROM" || k == "MAINTAINER" || k == "ONBUILD") {
      return expander_.Fail(from, k + " isn't allowed as an ONBUILD trigger (in the base image)");
    }
    trigger.line = from.line;
    trigger.end_line = from.end_line;
    return trigger;
  }

  Result<void> PlanStage(int index) {
    const StageNode& node = graph_.stages[index];
    StagePlan stage{index, node.name, *node.from, node.base, node.platform, {}};
    scopes_[index].emplace(args_);
    StageScope& scope = *scopes_[index];
    std::vector<const Instruction*> triggers;
    if (node.base.kind == SourceRef::Kind::kStage) {
      scope.StartFromStage(*scopes_[node.base.stage]);
      if (stage.platform.empty()) stage.platform = platforms_[node.base.stage];
      for (const auto& trigger : scopes_[node.base.stage]->onbuild()) {
        triggers.push_back(trigger.get());
      }
    } else if (node.base.kind == SourceRef::Kind::kImage) {
      const BaseImage& base = bases_.at(index);
      scope.StartFromImage(base.config);
      for (const Instruction& trigger : base.triggers) triggers.push_back(&trigger);
    } else {
      scope.StartFromScratch();
    }
    platforms_[index] = stage.platform;
    StepContext ctx{graph_, index, expander_, args_, globals_};
    for (const Instruction* trigger : triggers) {
      BERTH_ASSIGN_OR_RETURN(Step step, PlanStep(*trigger, true, scope, ctx));
      stage.steps.push_back(std::move(step));
    }
    for (const Instruction* in : node.body) {
      BERTH_ASSIGN_OR_RETURN(Step step, PlanStep(*in, false, scope, ctx));
      stage.steps.push_back(std::move(step));
    }
    plan_.stages.push_back(std::move(stage));
    return Ok();
  }

  const Containerfile& file_;
  const PlanOptions& options_;
  BuildPlan& plan_;
  BuildArgs args_;
  ArgExpander expander_;
  VarLookup globals_;
  StageGraph graph_;
  std::map<int, BaseImage> bases_;
  std::vector<std::optional<StageScope>> scopes_;
  std::vector<std::string> platforms_;
};

}  // namespace

Result<BuildPlan> PlanBuild(const Containerfile& file, const PlanOptions& options) {
  BuildPlan plan;
  Planner planner(file, options, plan);
  BERTH_TRY(planner.Run());
  return plan;
}

}  // namespace berth::builder
