// Stages in the stage planner: which are built for a target (Docker's multi-stage examples),
// how FROM and COPY --from / RUN --mount from= name stages, base images asked for only when
// needed, ONBUILD triggers, and the stage-level errors.
#include <gtest/gtest.h>

#include "plan_helpers.hpp"

namespace berth::builder {
namespace {

using testing::Args;
using testing::FakeImages;
using testing::MustPlan;
using testing::Options;
using testing::PlanError;
using testing::PlanText;
using testing::StageList;
using Kind = SourceRef::Kind;

// docs.docker.com/build/building/multi-stage/#differences-between-legacy-builder-and-buildkit
constexpr const char* kBaseStage1Stage2 =
    "FROM ubuntu AS base\nRUN echo \"base\"\n\n"
    "FROM base AS stage1\nRUN echo \"stage1\"\n\n"
    "FROM base AS stage2\nRUN echo \"stage2\"\n";

TEST(StagePlanStagesTest, TargetBuildsOnlyTheStagesItNeeds) {
  struct Case {
    std::string text, target, want;
  };
  std::vector<Case> cases = {
      {kBaseStage1Stage2, "stage2", "0:base 2:stage2"},
      {kBaseStage1Stage2, "stage1", "0:base 1:stage1"},
      {kBaseStage1Stage2, "", "0:base 2:stage2"},
      {kBaseStage1Stage2, "base", "0:base"},
      // "Use a previous stage as a new stage"
      {"FROM alpine:latest AS builder\nRUN apk --no-cache add build-base\n\n"
       "FROM builder AS build1\nCOPY source1.cpp source.cpp\nRUN g++ -o /binary source.cpp\n\n"
       "FROM builder AS build2\nCOPY source2.cpp source.cpp\nRUN g++ -o /binary source.cpp\n",
       "build1", "0:builder 1:build1"},
      // COPY --from by name and by index, RUN --mount from=, through a chain.
      {"FROM a AS one\nFROM b AS two\nFROM c AS three\nCOPY --from=one /x /x\n"
       "FROM d AS four\nCOPY --from=2 /y /y\n",
       "", "0:one 2:three 3:four"},
      {"FROM a AS deps\nFROM b AS unused\nFROM c\nRUN --mount=type=bind,from=deps,target=/d ls\n",
       "", "0:deps 2"},
      // An ONBUILD of the base stage counts for the stage built from it.
      {"FROM a AS tools\nFROM b AS base\nONBUILD COPY --from=tools /t /t\nFROM base\n", "",
       "0:tools 1:base 2"},
      // COPY --from an image needs no stage.
      {"FROM a AS x\nFROM b\nCOPY --from=nginx:latest /etc/nginx/nginx.conf /nginx.conf\n", "",
       "1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text + " --target " + c.target);
    EXPECT_EQ(StageList(MustPlan(c.text, Options({}, c.target))), c.want);
  }
}

TEST(StagePlanStagesTest, DocsExampleCopiesFromTheBuildStageIntoScratch) {
  const char* text =
      "# syntax=docker/dockerfile:1\n"
      "FROM golang:1.21 AS build\nWORKDIR /src\n"
      "COPY <<EOF /src/main.go\npackage main\nEOF\n"
      "RUN go build -o /bin/hello ./main.go\n\n"
      "FROM scratch\nCOPY --from=build /bin/hello /bin/hello\nCMD [\"/bin/hello\"]\n";
  BuildPlan plan = MustPlan(text);
  ASSERT_EQ(plan.stages.size(), 2u);
  EXPECT_EQ(plan.stage_count, 2);
  EXPECT_EQ(plan.stages[0].base, (SourceRef{Kind::kImage, -1, "golang:1.21"}));
  EXPECT_EQ(plan.stages[0].name, "build");
  EXPECT_EQ(plan.stages[0].from.line, 2);
  EXPECT_EQ(plan.stages[1].base, (SourceRef{Kind::kScratch, -1, ""}));
  const Step& copy = plan.stages[1].steps[0];
  EXPECT_EQ(copy.from, (SourceRef{Kind::kStage, 0, ""}));
  EXPECT_EQ(copy.words, (std::vector<std::string>{"/bin/hello", "/bin/hello"}));
  EXPECT_EQ(plan.stages[1].steps[1].argv, std::vector<std::string>{"/bin/hello"});
}

TEST(StagePlanStagesTest, StageNamesAreCaseInsensitive) {
  BuildPlan plan =
      MustPlan("FROM alpine AS Build\nFROM BUILD\nCOPY --from=bUILD /a /a\n", Options({}, "BuIlD"));
  EXPECT_EQ(StageList(plan), "0:build");
  plan = MustPlan("FROM alpine AS Build\nFROM BUILD\nCOPY --from=bUILD /a /a\n");
  ASSERT_EQ(plan.stages.size(), 2u);
  EXPECT_EQ(plan.stages[1].base, (SourceRef{Kind::kStage, 0, ""}));
  EXPECT_EQ(plan.stages[1].steps[0].from, (SourceRef{Kind::kStage, 0, ""}));
}

TEST(StagePlanStagesTest, FromNamesOnlyEarlierStages) {
  BuildPlan plan = MustPlan("FROM later\nFROM alpine AS later\n", Options({}, "later"));
  EXPECT_EQ(StageList(plan), "1:later");
  plan = MustPlan("FROM later\nFROM alpine AS later\nCOPY --from=0 / /\n");
  EXPECT_EQ(plan.stages[0].base, (SourceRef{Kind::kImage, -1, "later"}));
}

TEST(StagePlanStagesTest, CopyFromAndMountFromResolveWithGlobalArgs) {
  const char* text =
      "ARG SRC=deps\nFROM a AS deps\nFROM b\nCOPY --from=$SRC /x /x\n"
      "RUN --mount=type=cache,target=/cache/$D --mount=from=${SRC},target=/d ls\n"
      "COPY --from=scratch / /\n";
  BuildPlan plan = MustPlan(text);
  ASSERT_EQ(plan.stages.size(), 2u);
  const std::vector<Step>& steps = plan.stages[1].steps;
  EXPECT_EQ(steps[0].from, (SourceRef{Kind::kStage, 0, ""}));
  EXPECT_EQ(steps[0].flags[0].value, "deps");
  EXPECT_EQ(steps[1].mount_from.at("deps"), (SourceRef{Kind::kStage, 0, ""}));
  EXPECT_EQ(steps[1].flags[1].value, "from=deps,target=/d");
  EXPECT_EQ(steps[2].from, (SourceRef{Kind::kScratch, -1, ""}));
  EXPECT_EQ(steps[0].created_by, "/bin/sh -c #(nop) COPY --from=deps /x /x");
}

TEST(StagePlanStagesTest, BaseImagesAreAskedForOnlyForNeededStages) {
  FakeImages images;
  PlanOptions options = Options({}, "b");
  options.base_config = images.Lookup();
  const char* text =
      "ARG P=linux/riscv64\nFROM skipped:1 AS a\nFROM --platform=$P needed:2 AS b\n"
      "COPY --from=img:3 / /\nFROM b AS c\n";
  BuildPlan plan = MustPlan(text, options);
  EXPECT_EQ(images.asked, std::vector<std::string>{"needed:2@linux/riscv64"});
  EXPECT_EQ(plan.stages[0].platform, "linux/riscv64");
  images.asked.clear();
  options.target = "c";
  plan = MustPlan(text, options);
  EXPECT_EQ(images.asked, std::vector<std::string>{"needed:2@linux/riscv64"});
  EXPECT_EQ(StageList(plan), "1:b 2:c");
  EXPECT_EQ(plan.stages[1].platform, "linux/riscv64");  // inherited from its base stage
}

TEST(StagePlanStagesTest, BaseImageConfigGivesEnvWorkdirAndShell) {
  FakeImages images;
  images.configs["base"].env = {"PATH=/opt/bin:/bin", "HOME=/root"};
  images.configs["base"].working_dir = "/app";
  images.configs["base"].shell = std::vector<std::string>{"/bin/bash", "-o", "pipefail", "-c"};
  PlanOptions options = Options();
  options.base_config = images.Lookup();
  BuildPlan plan = MustPlan(
      "FROM base AS one\nENV PATH=$PATH:/x\nWORKDIR sub\nRUN echo $HOME\n"
      "FROM one\nENV H=$HOME P=$PATH\nWORKDIR ..\nRUN pwd\nFROM scratch\nENV P=$PATH\n"
      "COPY --from=1 / /\n",
      options);
  ASSERT_EQ(plan.stages.size(), 3u);
  const std::vector<Step>& one = plan.stages[0].steps;
  EXPECT_EQ(one[0].pairs[0].value, "/opt/bin:/bin:/x");
  EXPECT_EQ(one[1].value, "/app/sub");
  EXPECT_EQ(one[2].argv,
            (std::vector<std::string>{"/bin/bash", "-o", "pipefail", "-c", "echo $HOME"}));
  const std::vector<Step>& two = plan.stages[1].steps;
  EXPECT_EQ(two[0].created_by, "/bin/sh -c #(nop) ENV H=/root P=/opt/bin:/bin:/x");
  EXPECT_EQ(two[1].value, "/app");
  EXPECT_EQ(two[2].argv[0], "/bin/bash");
  // scratch: BuildKit's default PATH.
  EXPECT_EQ(plan.stages[2].steps[0].pairs[0].value,
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

TEST(StagePlanStagesTest, BaseImageOnbuildTriggersRunFirst) {
  FakeImages images;
  images.configs["onbuild-base"].on_build = {"RUN echo from-base", "ENV A=1",
                                             "COPY --from=deps /d /d"};
  PlanOptions options = Options();
  options.base_config = images.Lookup();
  BuildPlan plan =
      MustPlan("FROM x AS deps\nFROM y AS other\n\nFROM onbuild-base\nENV B=$A\n", options);
  EXPECT_EQ(StageList(plan), "0:deps 2");  // the trigger's COPY --from makes deps needed
  EXPECT_EQ(images.asked, (std::vector<std::string>{"onbuild-base", "x"}));
  const std::vector<Step>& steps = plan.stages[1].steps;
  ASSERT_EQ(steps.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(steps[i].from_onbuild);
    EXPECT_EQ(steps[i].instruction.line, 4);
  }
  EXPECT_EQ(steps[0].created_by, "/bin/sh -c echo from-base");
  EXPECT_EQ(steps[2].from, (SourceRef{Kind::kStage, 0, ""}));
  EXPECT_FALSE(steps[3].from_onbuild);
  EXPECT_EQ(steps[3].created_by, "/bin/sh -c #(nop) ENV B=1");
}

TEST(StagePlanStagesTest, BaseStageOnbuildRunsInTheChildOnly) {
  BuildPlan plan = MustPlan(
      "FROM a AS parent\nONBUILD RUN echo child\nFROM parent AS child\nRUN true\n"
      "FROM child\nRUN last\n");
  ASSERT_EQ(plan.stages.size(), 3u);
  EXPECT_EQ(plan.stages[0].steps[0].kind, StepKind::kOnbuild);
  EXPECT_EQ(plan.stages[0].steps[0].value, "RUN echo child");
  EXPECT_EQ(plan.stages[0].steps[0].created_by, "/bin/sh -c #(nop) ONBUILD RUN echo child");
  const std::vector<Step>& child = plan.stages[1].steps;
  ASSERT_EQ(child.size(), 2u);
  EXPECT_TRUE(child[0].from_onbuild);
  EXPECT_EQ(child[0].instruction.line, 2);
  EXPECT_EQ(child[0].argv, (std::vector<std::string>{"/bin/sh", "-c", "echo child"}));
  ASSERT_EQ(plan.stages[2].steps.size(), 1u);  // triggers do not carry over
  EXPECT_EQ(plan.stages[2].steps[0].created_by, "/bin/sh -c last");
}

TEST(StagePlanStagesTest, BadBaseImageTriggersAreErrors) {
  FakeImages images;
  images.configs["from"].on_build = {"FROM other"};
  images.configs["unknown"].on_build = {"NOPE x"};
  images.configs["two"].on_build = {"RUN a\nRUN b"};
  PlanOptions options = Options();
  options.base_config = images.Lookup();
  EXPECT_EQ(PlanError("FROM from\n", options),
            "Containerfile:1: FROM isn't allowed as an ONBUILD trigger (in the base image): "
            "FROM from");
  EXPECT_EQ(PlanError("FROM unknown\n", options),
            "Containerfile:1: bad ONBUILD trigger in the base image (ONBUILD:1: unknown "
            "instruction: NOPE x): FROM unknown");
  EXPECT_EQ(PlanError("FROM two\n", options),
            "Containerfile:1: ONBUILD trigger in the base image is not one instruction: RUN "
            "a\nRUN b: FROM two");
}

TEST(StagePlanStagesTest, BaseConfigErrorsGetTheFromLineAsContext) {
  PlanOptions options = Options();
  options.base_config = [](std::string_view image,
                           std::string_view) -> Result<store::ContainerConfig> {
    return MakeError(ErrorCode::kNotFound, "image not known: " + std::string(image));
  };
  auto plan = PlanText("FROM scratch AS a\nFROM missing\n", options);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(plan.error().message,
            "Containerfile:2: load config of base image missing: image not known: missing");
}

TEST(StagePlanStagesTest, StageErrorsNameFileAndLine) {
  struct Case {
    std::string text, want;
  };
  std::vector<Case> cases = {
      {"FROM a AS x\nFROM b AS X\n", "Containerfile:2: duplicate stage name \"x\": FROM b AS X"},
      {"FROM a AS 1x\n",
       "Containerfile:1: invalid name for build stage: \"1x\", name can't start with a number or "
       "contain symbols: FROM a AS 1x"},
      {"ARG A\nRUN x\nFROM a\n", "Containerfile:2: only ARG may come before the first FROM: RUN x"},
      {"ARG A\n", "Containerfile:1: no FROM instruction, so no stage to build: ARG A"},
      {"FROM a\nFROM b\nCOPY --from=5 a b\n",
       "Containerfile:3: invalid stage index 5: COPY --from=5 a b"},
      {"FROM a\nFROM b\nCOPY --from=1 a b\n",
       "Containerfile:3: cannot copy from stage \"1\", it needs to be defined before the current "
       "stage: COPY --from=1 a b"},
      {"FROM a AS one\nCOPY --from=two a b\nFROM b AS two\n",
       "Containerfile:2: cannot copy from stage \"two\", it needs to be defined before the "
       "current stage: COPY --from=two a b"},
      {"FROM a AS self\nRUN --mount=from=self,target=/x ls\n",
       "Containerfile:2: cannot mount from stage \"self\", it needs to be defined before the "
       "current stage: RUN --mount=from=self,target=/x ls"},
      // Stage references are checked in stages the target does not need, too (as BuildKit).
      {"FROM a AS unneeded\nCOPY --from=7 a b\nFROM b\n",
       "Containerfile:2: invalid stage index 7: COPY --from=7 a b"},
      {"FROM a\nARG NONE=stage-args-do-not-count\nCOPY --from=$NONE a b\n",
       "Containerfile:3: --from is empty after expanding global ARGs (no value for NONE): "
       "COPY --from=$NONE a b"},
  };
  for (const Case& c : cases) EXPECT_EQ(PlanError(c.text), c.want) << c.text;
  EXPECT_EQ(PlanError("FROM a AS one\n", Options({}, "two")),
            "target stage \"two\" could not be found");
}

}  // namespace
}  // namespace berth::builder
