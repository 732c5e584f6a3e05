// The stage planner on the realistic Containerfiles of testdata/containerfiles/parser: each
// plans, and the points where planning matters for that file come out as Docker would have
// them.
#include <gtest/gtest.h>

#include <filesystem>

#include "berth/base/fs.hpp"
#include "plan_helpers.hpp"

namespace berth::builder {
namespace {

namespace fs = std::filesystem;
using testing::Options;
using testing::StageList;
using V = std::vector<std::string>;

const fs::path kDir = fs::path(BERTH_SOURCE_DIR) / "testdata" / "containerfiles" / "parser";

BuildPlan PlanTestdata(const std::string& name, const PlanOptions& options = Options()) {
  auto text = ReadFile(kDir / name);
  EXPECT_TRUE(text) << text.error().message;
  if (!text) return {};
  auto file = Parse(*text, name);
  EXPECT_TRUE(file) << file.error().message;
  if (!file) return {};
  auto plan = PlanBuild(*file, options);
  EXPECT_TRUE(plan) << plan.error().message;
  return plan ? *plan : BuildPlan{};
}

constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

TEST(StagePlanTestdataTest, BusyboxMinimal) {
  BuildPlan plan = PlanTestdata("busybox-minimal.Containerfile");
  ASSERT_EQ(plan.stages.size(), 1u);
  const std::vector<Step>& steps = plan.stages[0].steps;
  ASSERT_EQ(steps.size(), 3u);
  // Two heredocs inside a longer command: the shell gets them back after the command line.
  EXPECT_EQ(steps[1].argv[2],
            "3<<DATA cat /proc/self/fd/3 <<'SCRIPT' ; sh -c 'echo \"$0\"' \"quoted <<NOT\"\n"
            "fd three\nDATA\necho $literal\nSCRIPT");
  EXPECT_EQ(steps[2].argv, (V{"/bin/sh", "-c", "cat /hello"}));
}

TEST(StagePlanTestdataTest, LegacyDocker) {
  BuildPlan plan = PlanTestdata("legacy-docker.Containerfile");
  ASSERT_EQ(plan.stages.size(), 1u);
  const std::vector<Step>& steps = plan.stages[0].steps;
  EXPECT_EQ(steps[1].pairs, (std::vector<KeyValue>{{"DEBIAN_FRONTEND", "noninteractive", true}}));
  EXPECT_EQ(steps[2].pairs,
            (std::vector<KeyValue>{{"PATH", "/opt/tool/bin:" + std::string(kDefaultPath), true},
                                   {"LANG", "C.UTF-8", true}}));
  EXPECT_EQ(steps[7].created_by, "/bin/sh -c #(nop) EXPOSE 8080 9090/udp");
  EXPECT_EQ(steps[8].value, "COPY . /opt/tool/plugins/");
  EXPECT_EQ(steps.back().argv, (V{"/bin/sh", "-c", "tool serve --port 8080"}));
}

TEST(StagePlanTestdataTest, MultistageHeredoc) {
  BuildPlan plan = PlanTestdata("multistage-heredoc.Containerfile");
  EXPECT_EQ(StageList(plan), "0:build 1:runtime");
  ASSERT_EQ(plan.stages.size(), 2u);
  EXPECT_EQ(plan.stages[0].base.image, "golang:1.22-alpine");
  EXPECT_EQ(plan.stages[0].platform, "linux/amd64");
  const Step& build = plan.stages[0].steps[4];
  // TARGETOS/TARGETARCH are declared only globally, so the shell sees them unset (as Docker).
  EXPECT_TRUE(build.arg_env.empty());
  EXPECT_EQ(build.flags[0].value, "type=cache,target=/root/.cache/go-build");
  const std::vector<Step>& runtime = plan.stages[1].steps;
  EXPECT_EQ(runtime[1].from, (SourceRef{SourceRef::Kind::kStage, 0, ""}));
  EXPECT_EQ(runtime[2].heredocs[0].content, "listen: \":8080\"\nlog_level: ${LOG_LEVEL}\n");
  EXPECT_EQ(runtime[5].argv, (V{"CMD", "/usr/local/bin/server", "-healthcheck"}));
}

TEST(StagePlanTestdataTest, PythonApp) {
  BuildPlan plan = PlanTestdata("python-app.Containerfile", Options({{"APP_UID", "2000"}}));
  EXPECT_EQ(StageList(plan), "0:base 1:deps 2:final");
  ASSERT_EQ(plan.stages.size(), 3u);
  EXPECT_EQ(plan.stages[0].steps[1].pairs[2].value, "/home/app/app");
  EXPECT_EQ(plan.stages[0].steps[2].created_by,
            "|2 APP_UID=2000 APP_USER=app /bin/sh -c useradd --uid \"${APP_UID}\" "
            "--create-home \"${APP_USER}\"");
  const std::vector<Step>& final_steps = plan.stages[2].steps;
  EXPECT_EQ(final_steps[0].value, "/home/app/app");
  EXPECT_EQ(final_steps[1].flags[0].value, "app:app");  // ARGs inherited from stage base
  EXPECT_EQ(final_steps[4].value, "app");
  EXPECT_TRUE(plan.warnings.empty());
}

TEST(StagePlanTestdataTest, WindowsEscape) {
  BuildPlan plan = PlanTestdata("windows-escape.Containerfile");
  ASSERT_EQ(plan.stages.size(), 1u);
  const std::vector<Step>& steps = plan.stages[0].steps;
  EXPECT_EQ(steps[1].pairs[0].value, "C:\\app");
  EXPECT_EQ(steps[2].value, "/C:\\app");  // not absolute for a Linux builder
  EXPECT_EQ(steps[3].argv[0], "powershell");
  EXPECT_EQ(steps[4].words, (V{"bin\\server.exe", "C:\\app\\"}));
}

}  // namespace
}  // namespace berth::builder
