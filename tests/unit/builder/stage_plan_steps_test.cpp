// Steps in the stage planner: which arguments are expanded and how (Docker's "Environment
// replacement" examples), WORKDIR, SHELL, the command forms, RUN heredocs and the COPY/ADD
// fields.
#include <gtest/gtest.h>

#include "plan_helpers.hpp"

namespace berth::builder {
namespace {

using testing::Args;
using testing::LastStep;
using testing::MustPlan;
using testing::Options;
using V = std::vector<std::string>;

// The steps of the only stage of `text`.
std::vector<Step> Steps(const std::string& text, const Args& args = {}) {
  BuildPlan plan = MustPlan(text, Options(args));
  EXPECT_EQ(plan.stages.size(), 1u) << text;
  return plan.stages.empty() ? std::vector<Step>{} : plan.stages[0].steps;
}

TEST(StagePlanStepsTest, EnvironmentReplacementLikeDockersReference) {
  // The reference writes the results as trailing comments, which Docker would not strip.
  std::vector<Step> steps =
      Steps("FROM busybox\nENV FOO=/bar\nWORKDIR ${FOO}\nADD . $FOO\nCOPY \\$FOO /quux\n");
  EXPECT_EQ(steps[1].value, "/bar");
  EXPECT_EQ(steps[2].words, (V{".", "/bar"}));
  EXPECT_EQ(steps[3].words, (V{"$FOO", "/quux"}));
}

TEST(StagePlanStepsTest, EnvPairsSeeTheEnvironmentBeforeTheInstruction) {
  std::vector<Step> steps =
      Steps("FROM a\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\nENV \"x y\"=\"1 2\"\n");
  EXPECT_EQ(steps[1].pairs, (std::vector<KeyValue>{{"abc", "bye", true}, {"def", "hello", true}}));
  EXPECT_EQ(steps[2].pairs[0].value, "bye");
  EXPECT_EQ(steps[3].pairs, (std::vector<KeyValue>{{"x y", "1 2", true}}));
  steps = Steps(
      "FROM a\nENV NAME=app\nLABEL \"com.example.vendor\"=\"ACME Inc\" n=$NAME "
      "multi=\"a \\\nb\"\n");
  EXPECT_EQ(steps[1].pairs, (std::vector<KeyValue>{{"com.example.vendor", "ACME Inc", true},
                                                   {"n", "app", true},
                                                   {"multi", "a b", true}}));
  EXPECT_EQ(steps[1].created_by,
            "/bin/sh -c #(nop) LABEL com.example.vendor=ACME Inc n=app multi=a b");
}

TEST(StagePlanStepsTest, WorkdirIsRelativeToThePreviousOne) {
  std::vector<Step> steps = Steps(
      "FROM a\nWORKDIR /a\nWORKDIR b\nWORKDIR c\nRUN pwd\nWORKDIR ../d/./e/\n"
      "ENV DIRPATH=/path DIRNAME=x\nWORKDIR $DIRPATH/$DIRNAME\nWORKDIR $DIRPATH/$NONE\n");
  EXPECT_EQ(steps[0].value, "/a");
  EXPECT_EQ(steps[2].value, "/a/b/c");
  EXPECT_EQ(steps[4].value, "/a/b/d/e");
  EXPECT_EQ(steps[6].value, "/path/x");
  EXPECT_EQ(steps[7].value, "/path");
  EXPECT_EQ(steps[2].created_by, "/bin/sh -c #(nop) WORKDIR /a/b/c");
  EXPECT_EQ(Steps("FROM a\nWORKDIR rel\n")[0].value, "/rel");
}

TEST(StagePlanStepsTest, ShellChangesTheShellFormOfLaterCommands) {
  std::vector<Step> steps = Steps(
      "FROM a\nRUN echo 1\nSHELL [\"powershell\", \"-command\"]\nRUN Write-Host hello\n"
      "CMD Write-Host $HOME\nENTRYPOINT [\"exec\", \"$HOME\"]\nRUN [\"/bin/echo\", \"x\"]\n");
  EXPECT_EQ(steps[0].argv, (V{"/bin/sh", "-c", "echo 1"}));
  EXPECT_EQ(steps[1].argv, (V{"powershell", "-command"}));
  EXPECT_EQ(steps[1].created_by, "/bin/sh -c #(nop) SHELL [powershell -command]");
  EXPECT_EQ(steps[2].argv, (V{"powershell", "-command", "Write-Host hello"}));
  EXPECT_EQ(steps[2].created_by, "powershell -command Write-Host hello");
  EXPECT_EQ(steps[3].argv, (V{"powershell", "-command", "Write-Host $HOME"}));
  EXPECT_EQ(steps[4].argv, (V{"exec", "$HOME"}));
  EXPECT_EQ(steps[5].argv, (V{"/bin/echo", "x"}));
  EXPECT_EQ(steps[5].created_by, "/bin/echo x");
}

TEST(StagePlanStepsTest, CommandsAreNotExpandedByTheBuilder) {
  std::vector<Step> steps = Steps(
      "FROM a\nENV X=1\nRUN echo $X \"${X}\"\nCMD echo \"$X\"\nENTRYPOINT exec top -b\n"
      "MAINTAINER $X\nONBUILD RUN echo $X\n");
  EXPECT_EQ(steps[1].argv, (V{"/bin/sh", "-c", "echo $X \"${X}\""}));
  EXPECT_EQ(steps[2].argv, (V{"/bin/sh", "-c", "echo \"$X\""}));
  EXPECT_EQ(steps[2].created_by, "/bin/sh -c #(nop) CMD [\"/bin/sh\" \"-c\" \"echo \\\"$X\\\"\"]");
  EXPECT_EQ(steps[3].created_by,
            "/bin/sh -c #(nop) ENTRYPOINT [\"/bin/sh\" \"-c\" \"exec top -b\"]");
  EXPECT_EQ(steps[4].value, "$X");
  EXPECT_EQ(steps[4].created_by, "/bin/sh -c #(nop) MAINTAINER $X");
  EXPECT_EQ(steps[5].value, "RUN echo $X");
}

TEST(StagePlanStepsTest, RunHeredocsBecomeTheShellsScript) {
  std::vector<Step> steps = Steps(
      "FROM a\n"
      "RUN <<EOF\napt-get update\napt-get install -y vim\nEOF\n"
      "RUN <<EOF\n#!/usr/bin/env python3\nprint(\"hello\")\nEOF\n"
      "RUN python3 <<EOF > /hello\nprint(\"hi\")\nEOF\n"
      "RUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2\n"
      "RUN <<-'EOF'\n\techo $HOME\n\tEOF\n");
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_EQ(steps[0].argv, (V{"/bin/sh", "-c", "apt-get update\napt-get install -y vim\n"}));
  EXPECT_EQ(steps[0].created_by, "/bin/sh -c apt-get update\napt-get install -y vim\n");
  EXPECT_TRUE(steps[1].argv.empty());
  EXPECT_EQ(steps[1].run_script, "#!/usr/bin/env python3\nprint(\"hello\")\n");
  EXPECT_EQ(steps[1].created_by, "<<EOF\n#!/usr/bin/env python3\nprint(\"hello\")\n");
  EXPECT_EQ(steps[2].argv, (V{"/bin/sh", "-c", "python3 <<EOF > /hello\nprint(\"hi\")\nEOF"}));
  EXPECT_EQ(steps[3].argv[2],
            "<<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2");
  EXPECT_EQ(steps[4].argv, (V{"/bin/sh", "-c", "echo $HOME\n"}));
}

TEST(StagePlanStepsTest, CopyHeredocsExpandUnlessTheDelimiterIsQuoted) {
  std::vector<Step> steps = Steps(
      "FROM alpine\nARG FOO=bar\n"
      "COPY <<-EOT /script.sh\n  echo \"hello ${FOO}\"\nEOT\n"
      "COPY <<'EOT' /raw.sh\necho \"$FOO\" \\$x\nEOT\n"
      "ADD <<one <<two /dir/\n1 $FOO\none\n2 'q'\ntwo\n");
  EXPECT_EQ(steps[1].heredocs[0].content, "  echo \"hello bar\"\n");
  EXPECT_EQ(steps[1].words, V{"/script.sh"});
  EXPECT_EQ(steps[1].created_by, "/bin/sh -c #(nop) COPY <<EOT /script.sh");
  EXPECT_EQ(steps[1].cache_key,
            "/bin/sh -c #(nop) COPY <<EOT /script.sh\n<<EOT\n  echo \"hello bar\"\n");
  EXPECT_EQ(steps[2].heredocs[0].content, "echo \"$FOO\" \\$x\n");
  ASSERT_EQ(steps[3].heredocs.size(), 2u);
  EXPECT_EQ(steps[3].heredocs[0].content, "1 bar\n");
  EXPECT_EQ(steps[3].heredocs[1].content, "2 'q'\n");
}

TEST(StagePlanStepsTest, CopyAndAddExpandPathsAndFlags) {
  std::vector<Step> steps = Steps(
      "FROM a\nARG U=app SUM=sha256:abc DIR=/srv\n"
      "COPY --chown=$U:$U --chmod=644 --link --exclude=*.$U [\"a b\", \"$DIR/\"]\n"
      "ADD --checksum=$SUM --keep-git-dir=true https://example.com/x.tgz $DIR/x\n");
  const Step& copy = steps[1];
  EXPECT_EQ(copy.kind, StepKind::kCopy);
  EXPECT_EQ(copy.words, (V{"a b", "/srv/"}));
  EXPECT_EQ(copy.flags, (std::vector<Flag>{{"chown", "app:app", true},
                                           {"chmod", "644", true},
                                           {"link", "", false},
                                           {"exclude", "*.app", true}}));
  EXPECT_EQ(copy.from.kind, SourceRef::Kind::kContext);
  EXPECT_EQ(copy.created_by,
            "/bin/sh -c #(nop) COPY --chown=app:app --chmod=644 --link --exclude=*.app a b /srv/");
  const Step& add = steps[2];
  EXPECT_EQ(add.kind, StepKind::kAdd);
  EXPECT_EQ(add.flags[0].value, "sha256:abc");
  EXPECT_EQ(add.words, (V{"https://example.com/x.tgz", "/srv/x"}));
}

TEST(StagePlanStepsTest, MetadataInstructions) {
  std::vector<Step> steps = Steps(
      "FROM a\nENV PORTS=\"80 443/udp\" D=/d U=nobody S=SIGTERM\nEXPOSE $PORTS 8080\n"
      "VOLUME [\"/data\", \"$D\"]\nVOLUME $D/x /y\nUSER $U:$U\nSTOPSIGNAL $S\n");
  EXPECT_EQ(steps[1].words, (V{"80", "443/udp", "8080"}));
  EXPECT_EQ(steps[1].created_by, "/bin/sh -c #(nop) EXPOSE 80 443/udp 8080");
  EXPECT_EQ(steps[2].words, (V{"/data", "/d"}));
  EXPECT_EQ(steps[2].created_by, "/bin/sh -c #(nop) VOLUME [/data /d]");
  EXPECT_EQ(steps[3].words, (V{"/d/x", "/y"}));
  EXPECT_EQ(steps[4].value, "nobody:nobody");
  EXPECT_EQ(steps[4].created_by, "/bin/sh -c #(nop) USER nobody:nobody");
  EXPECT_EQ(steps[5].value, "SIGTERM");
  EXPECT_EQ(steps[5].kind, StepKind::kStopSignal);
}

TEST(StagePlanStepsTest, HealthcheckTestAsTheConfigKeepsIt) {
  std::vector<Step> steps = Steps(
      "FROM a\nHEALTHCHECK --interval=5m --timeout=3s CMD curl -f http://localhost/ || exit 1\n"
      "HEALTHCHECK CMD [\"/bin/check\", \"-q\"]\nHEALTHCHECK NONE\n");
  EXPECT_EQ(steps[0].argv, (V{"CMD-SHELL", "curl -f http://localhost/ || exit 1"}));
  EXPECT_EQ(steps[0].created_by,
            "/bin/sh -c #(nop) HEALTHCHECK --interval=5m --timeout=3s CMD curl -f "
            "http://localhost/ || exit 1");
  EXPECT_EQ(steps[1].argv, (V{"CMD", "/bin/check", "-q"}));
  EXPECT_EQ(steps[2].argv, V{"NONE"});
}

TEST(StagePlanStepsTest, RunMountValuesExpandAndFlagsGoIntoTheCacheKeyOnly) {
  Step run = LastStep(MustPlan(
      "FROM a\nARG ID=go\nRUN --mount=type=cache,id=$ID,target=/root/.cache --network=none go "
      "build\n"));
  EXPECT_EQ(run.flags, (std::vector<Flag>{{"mount", "type=cache,id=go,target=/root/.cache", true},
                                          {"network", "none", true}}));
  EXPECT_EQ(run.created_by, "|1 ID=go /bin/sh -c go build");
  EXPECT_EQ(run.cache_key,
            "|1 ID=go /bin/sh -c go build\n--mount=type=cache,id=go,target=/root/.cache\n"
            "--network=none");
  EXPECT_TRUE(run.mount_from.empty());
}

TEST(StagePlanStepsTest, StepsKeepTheirInstructionAndKind) {
  std::vector<Step> steps = Steps("from a\nrun  echo hi\nOnBuild  Copy . /app\n");
  EXPECT_EQ(steps[0].kind, StepKind::kRun);
  EXPECT_EQ(steps[0].instruction.original, "run  echo hi");
  EXPECT_EQ(steps[0].instruction.line, 2);
  EXPECT_FALSE(steps[0].from_onbuild);
  EXPECT_EQ(steps[1].kind, StepKind::kOnbuild);
  EXPECT_EQ(steps[1].value, "Copy . /app");
  EXPECT_EQ(StepKindName(StepKind::kStopSignal), "STOPSIGNAL");
  EXPECT_EQ(*StepKindFor("HEALTHCHECK"), StepKind::kHealthcheck);
  EXPECT_FALSE(StepKindFor("FROM"));
}

}  // namespace
}  // namespace berth::builder
