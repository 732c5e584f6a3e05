// The stages of a Containerfile and what each needs: the split at FROM lines, each FROM
// resolved in the global ARG scope (scratch, an earlier stage, or an image), stage references
// in COPY --from and RUN --mount from=, and the stages reachable from the target. The planner
// builds it first, so that only the stages the target needs are expanded and only their base
// images are looked up. Borrows the Containerfile's instructions; single-threaded.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "arg_expander.hpp"
#include "berth/base/result.hpp"
#include "berth/builder/containerfile.hpp"
#include "berth/builder/plan_step.hpp"

namespace berth::builder {

struct StageNode {
  int index = 0;
  std::string name;                      // lower case; "" when unnamed
  const Instruction* from = nullptr;     // the FROM line
  std::vector<const Instruction*> body;  // the instructions after it, up to the next FROM
  SourceRef base;                        // kScratch, kStage or kImage
  std::string platform;                  // expanded --platform, "" when absent
  std::set<int> needs;                   // stages this one reads: base, --from, from=
};

struct StageGraph {
  std::vector<const Instruction*> globals;  // the ARGs before the first FROM
  std::vector<StageNode> stages;
};

// Splits `file` at its FROM lines. Fails (InstructionError) for an instruction other than ARG
// before the first FROM, and for a stage name that is invalid or used twice.
Result<StageGraph> SplitStages(const Containerfile& file);

// Resolves every stage's FROM line and --platform with the global scope, then its needs: the
// base stage, the COPY --from and RUN --mount from= stages of its instructions and of the base
// stage's ONBUILD instructions. Fails on an empty or bad expansion or a bad stage reference.
Result<void> ResolveStages(StageGraph& graph, ArgExpander& expander, const VarLookup& globals);

// Expands `text`, a COPY --from value (`verb` "copy") or a RUN --mount from= value ("mount")
// of `in`, with the global scope; an empty result is an error.
Result<std::string> ExpandSourceName(const Instruction& in, std::string_view text,
                                     std::string_view verb, ArgExpander& expander,
                                     const VarLookup& globals);

// What the expanded `name` names for instruction `in` of stage `current`: the index of an
// earlier stage, the name of an earlier stage, "scratch", or else an image. An index out of
// range or a stage that is not earlier is an error.
Result<SourceRef> ResolveSourceName(const StageGraph& graph, int current, const Instruction& in,
                                    const std::string& name, std::string_view verb,
                                    ArgExpander& expander);

// The from= values of `in`'s RUN --mount flags, as written.
std::vector<std::string> MountFromValues(const Instruction& in);

// The stages `in` (run in stage `current`) reads through COPY --from or RUN --mount from=.
Result<std::vector<int>> InstructionNeeds(const StageGraph& graph, int current,
                                          const Instruction& in, ArgExpander& expander,
                                          const VarLookup& globals);

// The index of the stage named `target` (any case), or of the last stage when it is empty.
// kInvalidArgument "target stage \"x\" could not be found".
Result<int> FindTarget(const StageGraph& graph, std::string_view target);

// `target` and every stage it needs, directly or not, in file order.
std::vector<int> Reachable(const StageGraph& graph, int target);

}  // namespace berth::builder
