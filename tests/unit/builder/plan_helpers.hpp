// Helpers for the stage planner tests: plan a Containerfile text with build args and a fake
// base-image config lookup, and show the result compactly.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/strings.hpp"
#include "berth/builder/containerfile.hpp"
#include "berth/builder/stage_plan.hpp"

namespace berth::builder::testing {

using Args = std::map<std::string, std::optional<std::string>>;

// Base image configs by reference; records which references were asked for, with platform.
struct FakeImages {
  std::map<std::string, store::ContainerConfig> configs;
  std::vector<std::string> asked;  // "image" or "image@platform"

  BaseConfigLookup Lookup() {
    return [this](std::string_view image,
                  std::string_view platform) -> Result<store::ContainerConfig> {
      asked.push_back(std::string(image) + (platform.empty() ? "" : "@" + std::string(platform)));
      auto it = configs.find(std::string(image));
      if (it == configs.end()) return store::ContainerConfig{};
      return it->second;
    };
  }
};

inline PlanOptions Options(Args args = {}, std::string target = "") {
  PlanOptions options;
  options.build_args = std::move(args);
  options.target = std::move(target);
  options.target_platform = {"linux", "arm64", "v8", "", {}};
  options.build_platform = {"linux", "amd64", "", "", {}};
  return options;
}

inline Result<BuildPlan> PlanText(std::string_view text, const PlanOptions& options) {
  auto file = Parse(text, "Containerfile");
  if (!file) return std::move(file).error();
  return PlanBuild(*file, options);
}

inline BuildPlan MustPlan(std::string_view text, const PlanOptions& options = Options()) {
  auto plan = PlanText(text, options);
  EXPECT_TRUE(plan) << plan.error().message << "\n" << text;
  return plan ? *plan : BuildPlan{};
}

// The error message of planning `text`, which must fail with kInvalidArgument; "planned" if
// it did not fail.
inline std::string PlanError(std::string_view text, const PlanOptions& options = Options()) {
  auto plan = PlanText(text, options);
  if (plan) return "planned";
  EXPECT_EQ(plan.error().code, ErrorCode::kInvalidArgument) << text;
  return plan.error().message;
}

// The created_by of each step of the last planned stage, one per line.
inline std::string History(const BuildPlan& plan) {
  if (plan.stages.empty()) return "<no stages>";
  std::vector<std::string> lines;
  for (const Step& step : plan.stages.back().steps) lines.push_back(step.created_by);
  return Join(lines, "\n");
}

// The indexes of the planned stages, with their names: "0:base 2:final".
inline std::string StageList(const BuildPlan& plan) {
  std::vector<std::string> out;
  for (const StagePlan& stage : plan.stages) {
    out.push_back(std::to_string(stage.index) + (stage.name.empty() ? "" : ":" + stage.name));
  }
  return Join(out, " ");
}

// The last step of the last stage (a default Step, and a failure, when there is none).
inline Step LastStep(const BuildPlan& plan) {
  EXPECT_FALSE(plan.stages.empty() || plan.stages.back().steps.empty());
  if (plan.stages.empty() || plan.stages.back().steps.empty()) return Step{};
  return plan.stages.back().steps.back();
}

}  // namespace berth::builder::testing
