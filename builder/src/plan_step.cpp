// StepKind and keywords.
#include "berth/builder/plan_step.hpp"

#include <array>
#include <utility>

namespace berth::builder {

namespace {

constexpr std::array<std::pair<StepKind, std::string_view>, 17> kNames = {{
    {StepKind::kRun, "RUN"},
    {StepKind::kCmd, "CMD"},
    {StepKind::kEntrypoint, "ENTRYPOINT"},
    {StepKind::kCopy, "COPY"},
    {StepKind::kAdd, "ADD"},
    {StepKind::kEnv, "ENV"},
    {StepKind::kArg, "ARG"},
    {StepKind::kLabel, "LABEL"},
    {StepKind::kExpose, "EXPOSE"},
    {StepKind::kVolume, "VOLUME"},
    {StepKind::kWorkdir, "WORKDIR"},
    {StepKind::kUser, "USER"},
    {StepKind::kStopSignal, "STOPSIGNAL"},
    {StepKind::kShell, "SHELL"},
    {StepKind::kHealthcheck, "HEALTHCHECK"},
    {StepKind::kOnbuild, "ONBUILD"},
    {StepKind::kMaintainer, "MAINTAINER"},
}};

}  // namespace

Result<StepKind> StepKindFor(std::string_view keyword) {
  for (const auto& [kind, name] : kNames) {
    if (name == keyword) return kind;
  }
  return MakeError(ErrorCode::kInvalidArgument, "not a step instruction: " + std::string(keyword));
}

std::string_view StepKindName(StepKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "?";
}

}  // namespace berth::builder
