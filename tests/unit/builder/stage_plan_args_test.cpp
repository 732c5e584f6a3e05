// ARG scoping in the stage planner: the examples of Docker's reference ("ARG": scope, using
// ARG variables, predefined ARGs, automatic platform ARGs) and the rules around them.
#include <gtest/gtest.h>

#include "plan_helpers.hpp"

namespace berth::builder {
namespace {

using testing::Args;
using testing::History;
using testing::LastStep;
using testing::MustPlan;
using testing::Options;
using testing::PlanError;

struct Case {
  std::string name;
  std::string text;
  Args args;
  std::string want;  // History() of the target stage
};

TEST(StagePlanArgsTest, ScopesLikeDockersReference) {
  std::vector<Case> cases = {
      {"an ARG is in scope from its declaration on",
       "FROM busybox\nUSER ${username:-some_user}\nARG username\nUSER $username\n",
       {{"username", "what_user"}},
       "/bin/sh -c #(nop) USER some_user\n"
       "/bin/sh -c #(nop) ARG username\n"
       "/bin/sh -c #(nop) USER what_user"},
      {"ENV wins over an ARG of the same name",
       "FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=v1.0.0\nRUN echo $CONT_IMG_VER\n",
       {{"CONT_IMG_VER", "v2.0.1"}},
       "/bin/sh -c #(nop) ARG CONT_IMG_VER\n"
       "/bin/sh -c #(nop) ENV CONT_IMG_VER=v1.0.0\n"
       "/bin/sh -c echo $CONT_IMG_VER"},
      {"ENV from an ARG with a default, no build arg",
       "FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}\n",
       {},
       "/bin/sh -c #(nop) ARG CONT_IMG_VER\n/bin/sh -c #(nop) ENV CONT_IMG_VER=v1.0.0"},
      {"ENV from an ARG with a default, with a build arg",
       "FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}\n",
       {{"CONT_IMG_VER", "v2.0.1"}},
       "/bin/sh -c #(nop) ARG CONT_IMG_VER\n/bin/sh -c #(nop) ENV CONT_IMG_VER=v2.0.1"},
      {"a global ARG re-declared in the stage takes the global value",
       "ARG VERSION=latest\nFROM busybox:$VERSION\nARG VERSION\n"
       "RUN echo $VERSION > image_version\n",
       {},
       "/bin/sh -c #(nop) ARG VERSION\n"
       "|1 VERSION=latest /bin/sh -c echo $VERSION > image_version"},
      {"a build arg overrides the global ARG everywhere",
       "ARG VERSION=latest\nFROM busybox:$VERSION\nARG VERSION\nRUN echo $VERSION\n",
       {{"VERSION", "1.36"}},
       "/bin/sh -c #(nop) ARG VERSION\n|1 VERSION=1.36 /bin/sh -c echo $VERSION"},
      {"a global ARG is not visible in a stage without re-declaration",
       "ARG CODE_VERSION=latest\nFROM base:${CODE_VERSION}\nENV V=$CODE_VERSION\n",
       {},
       "/bin/sh -c #(nop) ENV V="},
      {"a stage default wins over the global value",
       "ARG V=global\nFROM a\nARG V=stage\nENV X=$V\n",
       {},
       "/bin/sh -c #(nop) ARG V=stage\n/bin/sh -c #(nop) ENV X=stage"},
      {"a build arg wins over the stage default",
       "ARG V=global\nFROM a\nARG V=stage\nENV X=$V\n",
       {{"V", "given"}},
       "/bin/sh -c #(nop) ARG V=stage\n/bin/sh -c #(nop) ENV X=given"},
      {"defaults see earlier ARGs and ENVs, in order",
       "FROM a\nENV E=e\nARG A=1 B=${A}2\nARG C=$E$B\nRUN true\n",
       {},
       "/bin/sh -c #(nop) ENV E=e\n/bin/sh -c #(nop) ARG A=1 B=12\n"
       "/bin/sh -c #(nop) ARG C=e12\n|3 A=1 B=12 C=e12 /bin/sh -c true"},
      {"an ARG without a value is not in RUN's environment",
       "FROM a\nARG NOVALUE\nRUN true\n",
       {},
       "/bin/sh -c #(nop) ARG NOVALUE\n/bin/sh -c true"},
      {"ARGs and ENV carry on into a stage built FROM the stage",
       "FROM alpine AS base\nARG X=1\nENV Y=2\nFROM base\nRUN echo $X\nENV Z=$X$Y\n",
       {},
       "|1 X=1 /bin/sh -c echo $X\n/bin/sh -c #(nop) ENV Z=12"},
      {"ARGs do not carry on into another stage",
       "FROM alpine AS base\nARG X=1\nFROM alpine\nRUN echo $X\nCOPY --from=base / /\n",
       {},
       "/bin/sh -c echo $X\n/bin/sh -c #(nop) COPY --from=base / /"},
      {"global ARG defaults see earlier globals",
       "ARG REPO=alpine\nARG IMAGE=$REPO:3\nFROM $IMAGE\nARG IMAGE\nLABEL from=$IMAGE\n",
       {},
       "/bin/sh -c #(nop) ARG IMAGE\n/bin/sh -c #(nop) LABEL from=alpine:3"},
      {"a global ARG alone keeps an earlier global value",
       "ARG V=1\nARG V\nFROM a\nARG V\nLABEL v=$V\n",
       {},
       "/bin/sh -c #(nop) ARG V\n/bin/sh -c #(nop) LABEL v=1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(History(MustPlan(c.text, Options(c.args))), c.want);
  }
}

TEST(StagePlanArgsTest, SameArgInTwoStagesHasTheSameValueInEach) {
  const char* text =
      "FROM busybox\nARG SETTINGS\nRUN ./run/setup $SETTINGS\n"
      "FROM busybox\nARG SETTINGS\nRUN ./run/other $SETTINGS\n"
      "COPY --from=0 /a /a\n";
  BuildPlan plan = MustPlan(text, Options({{"SETTINGS", "x"}}));
  ASSERT_EQ(plan.stages.size(), 2u);
  EXPECT_EQ(plan.stages[0].steps[1].created_by, "|1 SETTINGS=x /bin/sh -c ./run/setup $SETTINGS");
  EXPECT_EQ(plan.stages[1].steps[1].created_by, "|1 SETTINGS=x /bin/sh -c ./run/other $SETTINGS");
  EXPECT_EQ(plan.stages[1].steps[1].arg_env, std::vector<std::string>{"SETTINGS=x"});
}

TEST(StagePlanArgsTest, GlobalArgsChooseTheBaseImage) {
  const char* text =
      "ARG  CODE_VERSION=latest\nFROM base:${CODE_VERSION}\nCMD  /code/run-app\n"
      "FROM extras:${CODE_VERSION}\nCMD  /code/run-extras\n";
  BuildPlan plan = MustPlan(text, Options({}, ""));
  ASSERT_EQ(plan.stages.size(), 1u);  // the first stage is not needed by the last
  EXPECT_EQ(plan.stages[0].base.image, "extras:latest");
  plan = MustPlan(text, Options({{"CODE_VERSION", "1.2"}}));
  EXPECT_EQ(plan.stages[0].base.image, "extras:1.2");
}

TEST(StagePlanArgsTest, PlatformArgsAreGlobalAndNeedDeclarationInAStage) {
  const char* text =
      "FROM --platform=$BUILDPLATFORM golang AS build\n"
      "ARG TARGETOS TARGETARCH\n"
      "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build\n"
      "ENV P=$TARGETPLATFORM\n";
  BuildPlan plan = MustPlan(text);
  ASSERT_EQ(plan.stages.size(), 1u);
  EXPECT_EQ(plan.stages[0].platform, "linux/amd64");
  EXPECT_EQ(plan.stages[0].steps[1].created_by,
            "|2 TARGETARCH=arm64 TARGETOS=linux /bin/sh -c GOOS=$TARGETOS GOARCH=$TARGETARCH go "
            "build");
  EXPECT_EQ(plan.stages[0].steps[2].pairs[0].value, "");
  plan = MustPlan(
      "FROM a\nARG TARGETPLATFORM TARGETVARIANT BUILDOS\nLABEL p=$TARGETPLATFORM "
      "v=$TARGETVARIANT b=$BUILDOS\n");
  EXPECT_EQ(LastStep(plan).created_by, "/bin/sh -c #(nop) LABEL p=linux/arm64/v8 v=v8 b=linux");
  plan = MustPlan("FROM a\nARG TARGETARCH\nLABEL a=$TARGETARCH\n", Options({{"TARGETARCH", "x"}}));
  EXPECT_EQ(LastStep(plan).pairs[0].value, "x");
}

TEST(StagePlanArgsTest, ProxyArgsWorkUndeclaredButStayOutOfHistoryUnlessDeclared) {
  Args proxy = {{"HTTP_PROXY", "http://user:pass@proxy.lon.example.com"}};
  BuildPlan plan = MustPlan("FROM ubuntu\nRUN echo \"Hello World\"\n", Options(proxy));
  Step run = LastStep(plan);
  EXPECT_EQ(run.created_by, "/bin/sh -c echo \"Hello World\"");
  EXPECT_EQ(run.arg_env,
            std::vector<std::string>{"HTTP_PROXY=http://user:pass@proxy.lon.example.com"});
  EXPECT_TRUE(plan.warnings.empty());

  plan = MustPlan("FROM ubuntu\nARG HTTP_PROXY\nRUN echo \"Hello World\"\n", Options(proxy));
  EXPECT_EQ(LastStep(plan).created_by,
            "|1 HTTP_PROXY=http://user:pass@proxy.lon.example.com /bin/sh -c echo \"Hello World\"");

  plan = MustPlan("FROM ubuntu\nENV P=$HTTP_PROXY\n", Options(proxy));
  EXPECT_EQ(LastStep(plan).pairs[0].value, "http://user:pass@proxy.lon.example.com");
}

TEST(StagePlanArgsTest, BuildArgGivenByNameTakesTheEnvironmentValue) {
  std::map<std::string, std::string> env = {{"FOO", "from-env"}};
  PlanOptions options = Options({{"FOO", std::nullopt}, {"BAR", std::nullopt}});
  options.environment = LookupIn(env);
  BuildPlan plan = MustPlan("FROM a\nARG FOO=default BAR=bar\nLABEL foo=$FOO bar=$BAR\n", options);
  EXPECT_EQ(LastStep(plan).created_by, "/bin/sh -c #(nop) LABEL foo=from-env bar=bar");
  EXPECT_TRUE(plan.warnings.empty());
}

TEST(StagePlanArgsTest, UnusedBuildArgsGiveBuildahsWarning) {
  const char* text = "FROM a AS unused\nARG IN_SKIPPED_STAGE\nFROM b\nARG USED\nRUN true\n";
  Args args = {{"USED", "1"},
               {"UNUSED_B", "2"},
               {"UNUSED_A", "3"},
               {"IN_SKIPPED_STAGE", "4"},
               {"https_proxy", "p"},
               {"TARGETARCH", "arm"},
               {"SOURCE_DATE_EPOCH", "0"}};
  BuildPlan plan = MustPlan(text, Options(args));
  EXPECT_EQ(plan.warnings,
            std::vector<std::string>{"one or more build args were not consumed: [UNUSED_A "
                                     "UNUSED_B]"});
  EXPECT_TRUE(MustPlan("ARG G\nFROM a\n", Options({{"G", "1"}})).warnings.empty());
}

TEST(StagePlanArgsTest, UndefinedVariablesWarnWithAHintForGlobalArgs) {
  BuildPlan plan = MustPlan("ARG G=1\nFROM a\nENV A=$G B=$NOPE\nENV C=${NOPE:-x}\n");
  EXPECT_EQ(plan.warnings,
            (std::vector<std::string>{
                "Containerfile:3: usage of undefined variable '$G' (a global ARG: declare it in "
                "the stage with \"ARG G\" to use it): ENV A=$G B=$NOPE",
                "Containerfile:3: usage of undefined variable '$NOPE': ENV A=$G B=$NOPE"}));
}

TEST(StagePlanArgsTest, ArgsWithoutValueWhereOneIsRequiredAreErrors) {
  EXPECT_EQ(PlanError("ARG IMAGE\nFROM $IMAGE\n"),
            "Containerfile:2: base name ($IMAGE) should not be blank (no value for IMAGE): "
            "FROM $IMAGE");
  EXPECT_EQ(PlanError("FROM a\nARG DIR\nWORKDIR $DIR\n"),
            "Containerfile:3: WORKDIR cannot be empty (no value for DIR): WORKDIR $DIR");
  EXPECT_EQ(PlanError("FROM a\nARG DEST\nCOPY x $DEST\n"),
            "Containerfile:3: COPY destination is empty (no value for DEST): COPY x $DEST");
  EXPECT_EQ(PlanError("FROM a\nUSER $WHO\n"),
            "Containerfile:2: USER cannot be empty (no value for WHO): USER $WHO");
  EXPECT_EQ(PlanError("ARG P\nFROM --platform=$P a\n"),
            "Containerfile:2: empty platform value from $P (no value for P): FROM --platform=$P a");
  EXPECT_EQ(PlanError("FROM a\nARG V\nENV X=${V:?required}\n"),
            "Containerfile:3: expand '${V:?required}': V: required: ENV X=${V:?required}");
  EXPECT_EQ(PlanError("FROM a\nEXPOSE $PORTS\n"),
            "Containerfile:2: EXPOSE requires at least one argument (no value for PORTS): "
            "EXPOSE $PORTS");
  // With a value, all is well.
  BuildPlan plan = MustPlan("ARG IMAGE\nFROM $IMAGE\n", Options({{"IMAGE", "alpine"}}));
  EXPECT_EQ(plan.stages[0].base.image, "alpine");
}

}  // namespace
}  // namespace berth::builder
