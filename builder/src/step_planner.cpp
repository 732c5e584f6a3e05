// PlanStep and the instructions whose arguments Docker expands: ENV, LABEL, ARG, WORKDIR,
// USER, STOPSIGNAL, EXPOSE, VOLUME, COPY, ADD; and MAINTAINER, ONBUILD (Docker's dispatchers;
// BuildKit's dispatchEnv, dispatchArg, dispatchWorkdir, CopyCommand.Expand...).
#include "step_planner.hpp"

#include <set>
#include <string_view>

#include "berth/base/strings.hpp"
#include "clean_path.hpp"
#include "history_text.hpp"

namespace berth::builder {

namespace {

// ENV and LABEL: every pair is expanded with the scope as it was before the instruction
// ("ENV A=1 B=$A" gives B the old A, as in Docker), then ENV sets them.
Result<void> PlanPairs(Step& step, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  VarLookup lookup = scope.lookup();
  for (const KeyValue& pair : in.pairs) {
    BERTH_ASSIGN_OR_RETURN(
        std::string key,
        ctx.expander.Required(in, pair.key, lookup, in.keyword + " names can not be blank"));
    BERTH_ASSIGN_OR_RETURN(std::string value, ctx.expander.Word(in, pair.value, lookup));
    step.pairs.push_back({std::move(key), std::move(value), true});
  }
  if (step.kind == StepKind::kEnv) {
    for (const KeyValue& pair : step.pairs) scope.SetEnv(pair.key, pair.value);
  }
  return Ok();
}

// ARG: each name in turn takes its --build-arg value, else its default (expanded with the
// ARGs before it), else the global ARG's value. History shows the definitions.
Result<std::string> PlanArg(Step& step, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  std::vector<std::string> definitions;
  for (const KeyValue& pair : in.pairs) {
    ctx.args.MarkDeclared(pair.key);
    std::optional<std::string> value = ctx.args.Given(pair.key);
    std::string definition = pair.key;
    if (pair.has_value) {
      BERTH_ASSIGN_OR_RETURN(std::string fallback,
                             ctx.expander.Word(in, pair.value, scope.lookup()));
      definition += "=" + fallback;
      if (!value) value = std::move(fallback);
    }
    if (!value) value = ctx.args.Global(pair.key);
    definitions.push_back(std::move(definition));
    step.pairs.push_back({pair.key, value.value_or(""), value.has_value()});
    scope.DeclareArg(pair.key, std::move(value));
  }
  return "ARG " + Join(definitions, " ");
}

Result<void> PlanWorkdir(Step& step, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  BERTH_ASSIGN_OR_RETURN(std::string dir, ctx.expander.Required(in, in.value, scope.lookup(),
                                                                "WORKDIR cannot be empty"));
  if (dir.front() != '/') dir = scope.workdir() + "/" + dir;
  step.value = CleanPath(dir);
  scope.set_workdir(step.value);
  return Ok();
}

// EXPOSE: each word may expand to several ports ("EXPOSE $PORTS").
Result<void> PlanExpose(Step& step, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  std::vector<std::string> unset;
  for (const std::string& word : in.words) {
    BERTH_ASSIGN_OR_RETURN(Expansion e, ctx.expander.Expand(in, word, scope.lookup()));
    step.words.insert(step.words.end(), e.words.begin(), e.words.end());
    unset.insert(unset.end(), e.unset.begin(), e.unset.end());
  }
  if (step.words.empty()) {
    std::string what = "EXPOSE requires at least one argument";
    if (!unset.empty()) what += " (no value for " + Join(unset, ", ") + ")";
    return ctx.expander.Fail(in, what);
  }
  return Ok();
}

Result<void> PlanVolume(Step& step, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  for (const std::string& word : in.words) {
    BERTH_ASSIGN_OR_RETURN(std::string path,
                           ctx.expander.Required(in, word, scope.lookup(),
                                                 "VOLUME specified can not be an empty string"));
    step.words.push_back(std::move(path));
  }
  return Ok();
}

// USER, STOPSIGNAL: one expanded value that must not be empty.
Result<void> PlanValue(Step& step, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  BERTH_ASSIGN_OR_RETURN(step.value, ctx.expander.Required(in, in.value, scope.lookup(),
                                                           in.keyword + " cannot be empty"));
  return Ok();
}

// Flags whose values Docker expands with the stage's variables.
const std::set<std::string_view> kExpandedFlags = {"chown", "chmod", "checksum", "exclude"};

Result<void> PlanCopyFlags(Step& step, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  for (Flag& flag : step.flags) {
    if (flag.name == "from") {
      BERTH_ASSIGN_OR_RETURN(flag.value,
                             ExpandSourceName(in, flag.value, "copy", ctx.expander, ctx.globals));
      BERTH_ASSIGN_OR_RETURN(
          step.from, ResolveSourceName(ctx.graph, ctx.stage, in, flag.value, "copy", ctx.expander));
    } else if (kExpandedFlags.count(flag.name) && flag.has_value) {
      BERTH_ASSIGN_OR_RETURN(flag.value, ctx.expander.Word(in, flag.value, scope.lookup()));
    }
  }
  return Ok();
}

// The kind-specific part; returns the history text for metadata steps ("" for RUN).
Result<std::string> PlanKind(Step& step, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  switch (step.kind) {
    case StepKind::kRun:
      BERTH_TRY(PlanRun(step, scope, ctx));
      return std::string();
    case StepKind::kArg:
      return PlanArg(step, scope, ctx);
    case StepKind::kEnv:
    case StepKind::kLabel:
      BERTH_TRY(PlanPairs(step, scope, ctx));
      break;
    case StepKind::kWorkdir:
      BERTH_TRY(PlanWorkdir(step, scope, ctx));
      break;
    case StepKind::kUser:
    case StepKind::kStopSignal:
      BERTH_TRY(PlanValue(step, scope, ctx));
      break;
    case StepKind::kExpose:
      BERTH_TRY(PlanExpose(step, scope, ctx));
      break;
    case StepKind::kVolume:
      BERTH_TRY(PlanVolume(step, scope, ctx));
      break;
    case StepKind::kCmd:
    case StepKind::kEntrypoint:
      BERTH_TRY(PlanCommand(step, scope));
      break;
    case StepKind::kShell:
      BERTH_TRY(PlanShell(step, scope));
      break;
    case StepKind::kHealthcheck:
      BERTH_TRY(PlanHealthcheck(step));
      break;
    case StepKind::kCopy:
    case StepKind::kAdd:
      BERTH_TRY(PlanCopy(step, scope, ctx));
      break;
    case StepKind::kOnbuild:
      step.value = in.trigger ? in.trigger->original : "";
      if (in.trigger) scope.AddOnbuild(in.trigger);
      break;
    case StepKind::kMaintainer:
      step.value = in.value;
      break;
  }
  return MetadataText(step);
}

}  // namespace

Result<Step> PlanStep(const Instruction& in, bool from_onbuild, StageScope& scope,
                      StepContext& ctx) {
  Step step;
  auto kind = StepKindFor(in.keyword);
  if (!kind) return ctx.expander.Fail(in, kind.error().message);
  step.kind = *kind;
  step.instruction = in;
  step.from_onbuild = from_onbuild;
  step.flags = in.flags;
  BERTH_ASSIGN_OR_RETURN(std::string text, PlanKind(step, scope, ctx));
  step.created_by =
      step.kind == StepKind::kRun ? RunCreatedBy(step, scope.HistoryArgs()) : NopCreatedBy(text);
  step.cache_key = CacheKeyText(step);
  return step;
}

Result<void> PlanCopy(Step& step, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  BERTH_TRY(PlanCopyFlags(step, scope, ctx));
  VarLookup lookup = scope.lookup();
  for (size_t i = 0; i < in.words.size(); ++i) {
    bool dest = i + 1 == in.words.size();
    std::string what = in.keyword + (dest ? " destination is empty" : " source is empty");
    BERTH_ASSIGN_OR_RETURN(std::string word, ctx.expander.Required(in, in.words[i], lookup, what));
    step.words.push_back(std::move(word));
  }
  for (const Heredoc& heredoc : in.heredocs) {
    Heredoc expanded = heredoc;
    if (heredoc.expand) {
      ExpandOptions options{.keep_quotes = true, .keep_escapes = true};
      BERTH_ASSIGN_OR_RETURN(Expansion e,
                             ctx.expander.Expand(in, heredoc.content, lookup, options));
      expanded.content = std::move(e.word);
    }
    step.heredocs.push_back(std::move(expanded));
  }
  return Ok();
}

}  // namespace berth::builder
