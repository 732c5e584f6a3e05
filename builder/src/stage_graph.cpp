// Stages and their references (BuildKit's dispatch states: addState, findStateByName,
// findStateByIndex, allReachableStages).
#include "stage_graph.hpp"

#include <algorithm>
#include <cctype>

#include "berth/base/strings.hpp"

namespace berth::builder {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// BuildKit's stage name rule: ^[a-z][a-z0-9-_\.]*$ (names are lower-cased by the parser).
bool IsValidStageName(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

bool IsIndex(std::string_view text) {
  return !text.empty() && text.size() < 9 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The stage called `name` (lower-cased) among stages [0, end), or -1.
int FindByName(const StageGraph& graph, std::string_view name, int end) {
  std::string lower = Lower(name);
  for (int i = 0; i < end && i < static_cast<int>(graph.stages.size()); ++i) {
    if (!graph.stages[i].name.empty() && graph.stages[i].name == lower) return i;
  }
  return -1;
}

Result<void> ResolveFrom(StageGraph& graph, StageNode& stage, ArgExpander& expander,
                         const VarLookup& globals) {
  const Instruction& from = *stage.from;
  BERTH_ASSIGN_OR_RETURN(std::string image,
                         expander.Required(from, from.value, globals,
                                           "base name (" + from.value + ") should not be blank"));
  if (const Flag* platform = FindFlag(from, "platform")) {
    BERTH_ASSIGN_OR_RETURN(stage.platform,
                           expander.Required(from, platform->value, globals,
                                             "empty platform value from " + platform->value));
  }
  if (image == "scratch") {
    stage.base = {SourceRef::Kind::kScratch, -1, ""};
  } else if (int base = FindByName(graph, image, stage.index); base >= 0) {
    stage.base = {SourceRef::Kind::kStage, base, ""};
    stage.needs.insert(base);
  } else {
    stage.base = {SourceRef::Kind::kImage, -1, image};
  }
  return Ok();
}

Result<void> AddNeeds(const StageGraph& graph, StageNode& stage, const Instruction& in,
                      ArgExpander& expander, const VarLookup& globals) {
  BERTH_ASSIGN_OR_RETURN(std::vector<int> needs,
                         InstructionNeeds(graph, stage.index, in, expander, globals));
  stage.needs.insert(needs.begin(), needs.end());
  return Ok();
}

}  // namespace

Result<StageGraph> SplitStages(const Containerfile& file) {
  StageGraph graph;
  for (const Instruction& in : file.instructions) {
    if (in.keyword == "FROM") {
      StageNode stage;
      stage.index = static_cast<int>(graph.stages.size());
      stage.name = in.stage_name;
      stage.from = &in;
      if (!stage.name.empty()) {
        if (!IsValidStageName(stage.name)) {
          return InstructionError(file.file_name, in,
                                  "invalid name for build stage: \"" + stage.name +
                                      "\", name can't start with a number or contain symbols");
        }
        if (FindByName(graph, stage.name, stage.index) >= 0) {
          return InstructionError(file.file_name, in,
                                  "duplicate stage name \"" + stage.name + "\"");
        }
      }
      graph.stages.push_back(std::move(stage));
    } else if (!graph.stages.empty()) {
      graph.stages.back().body.push_back(&in);
    } else if (in.keyword == "ARG") {
      graph.globals.push_back(&in);
    } else {
      return InstructionError(file.file_name, in, "only ARG may come before the first FROM");
    }
  }
  if (graph.stages.empty()) {
    return InstructionError(file.file_name, file.instructions.back(),
                            "no FROM instruction, so no stage to build");
  }
  return graph;
}

Result<void> ResolveStages(StageGraph& graph, ArgExpander& expander, const VarLookup& globals) {
  for (StageNode& stage : graph.stages) {
    BERTH_TRY(ResolveFrom(graph, stage, expander, globals));
    for (const Instruction* in : stage.body) {
      BERTH_TRY(AddNeeds(graph, stage, *in, expander, globals));
    }
    if (stage.base.kind != SourceRef::Kind::kStage) continue;
    for (const Instruction* in : graph.stages[stage.base.stage].body) {
      if (in->keyword == "ONBUILD" && in->trigger) {
        BERTH_TRY(AddNeeds(graph, stage, *in->trigger, expander, globals));
      }
    }
  }
  return Ok();
}

Result<std::string> ExpandSourceName(const Instruction& in, std::string_view text,
                                     std::string_view verb, ArgExpander& expander,
                                     const VarLookup& globals) {
  return expander.Required(in, text, globals,
                           verb == "mount" ? "from= in --mount is empty after expanding global ARGs"
                                           : "--from is empty after expanding global ARGs");
}

Result<SourceRef> ResolveSourceName(const StageGraph& graph, int current, const Instruction& in,
                                    const std::string& name, std::string_view verb,
                                    ArgExpander& expander) {
  int stage = -1;
  if (IsIndex(name)) {
    stage = std::stoi(name);
    if (stage >= static_cast<int>(graph.stages.size())) {
      return expander.Fail(in, "invalid stage index " + name);
    }
  } else {
    stage = FindByName(graph, name, static_cast<int>(graph.stages.size()));
  }
  if (stage >= current) {
    return expander.Fail(in, "cannot " + std::string(verb) + " from stage \"" + name +
                                 "\", it needs to be defined before the current stage");
  }
  if (stage >= 0) return SourceRef{SourceRef::Kind::kStage, stage, ""};
  if (name == "scratch") return SourceRef{SourceRef::Kind::kScratch, -1, ""};
  return SourceRef{SourceRef::Kind::kImage, -1, name};
}

std::vector<std::string> MountFromValues(const Instruction& in) {
  std::vector<std::string> values;
  if (in.keyword != "RUN") return values;
  for (const Flag& flag : in.flags) {
    if (flag.name != "mount") continue;
    for (const std::string& field : Split(flag.value, ',')) {
      std::string_view f = Trim(field);
      if (f.substr(0, 5) == "from=") values.emplace_back(f.substr(5));
    }
  }
  return values;
}

Result<std::vector<int>> InstructionNeeds(const StageGraph& graph, int current,
                                          const Instruction& in, ArgExpander& expander,
                                          const VarLookup& globals) {
  std::vector<std::pair<std::string, std::string_view>> refs;  // (text, verb)
  if (const Flag* from = in.keyword == "COPY" ? FindFlag(in, "from") : nullptr) {
    refs.emplace_back(from->value, "copy");
  }
  for (std::string& value : MountFromValues(in)) refs.emplace_back(std::move(value), "mount");
  std::vector<int> needs;
  for (const auto& [text, verb] : refs) {
    BERTH_ASSIGN_OR_RETURN(std::string name, ExpandSourceName(in, text, verb, expander, globals));
    BERTH_ASSIGN_OR_RETURN(SourceRef source,
                           ResolveSourceName(graph, current, in, name, verb, expander));
    if (source.kind == SourceRef::Kind::kStage) needs.push_back(source.stage);
  }
  return needs;
}

Result<int> FindTarget(const StageGraph& graph, std::string_view target) {
  if (target.empty()) return static_cast<int>(graph.stages.size()) - 1;
  int index = FindByName(graph, target, static_cast<int>(graph.stages.size()));
  if (index < 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "target stage \"" + std::string(target) + "\" could not be found");
  }
  return index;
}

std::vector<int> Reachable(const StageGraph& graph, int target) {
  std::vector<bool> seen(graph.stages.size(), false);
  std::vector<int> todo = {target};
  while (!todo.empty()) {
    int i = todo.back();
    todo.pop_back();
    if (seen[i]) continue;
    seen[i] = true;
    for (int need : graph.stages[i].needs) todo.push_back(need);
  }
  std::vector<int> out;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i]) out.push_back(static_cast<int>(i));
  }
  return out;
}

}  // namespace berth::builder
