// One instruction of a stage to a Step (plan_step.hpp): Docker's expansion of its arguments in
// the stage's scope, the scope updated by what it sets (ENV, ARG, WORKDIR, SHELL, ONBUILD),
// and its history and cache text. The per-kind parts live in step_planner.cpp (the expanded
// instructions, COPY and ADD included) and step_command.cpp (RUN, CMD, ENTRYPOINT, SHELL,
// HEALTHCHECK).
// Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "arg_expander.hpp"
#include "berth/builder/plan_step.hpp"
#include "build_args.hpp"
#include "stage_graph.hpp"
#include "stage_scope.hpp"

namespace berth::builder {

// What a step may need besides its stage's scope. All borrowed.
struct StepContext {
  const StageGraph& graph;
  int stage;  // the index of the stage being planned
  ArgExpander& expander;
  BuildArgs& args;
  const VarLookup& globals;  // the global ARG scope, for COPY --from and RUN --mount from=
};

// Plans `in` (an ONBUILD trigger of the base when `from_onbuild`) and applies its effect on
// `scope`. Fails with InstructionError as PlanBuild documents.
Result<Step> PlanStep(const Instruction& in, bool from_onbuild, StageScope& scope,
                      StepContext& ctx);

// The per-kind planners; each fills `step` (whose kind and instruction are set) and, except
// for ARG, leaves created_by to PlanStep.
Result<void> PlanRun(Step& step, StageScope& scope, StepContext& ctx);
Result<void> PlanCommand(Step& step, StageScope& scope);                 // CMD ENTRYPOINT
Result<void> PlanShell(Step& step, StageScope& scope);                   // SHELL
Result<void> PlanHealthcheck(Step& step);                                // HEALTHCHECK
Result<void> PlanCopy(Step& step, StageScope& scope, StepContext& ctx);  // COPY ADD

}  // namespace berth::builder
