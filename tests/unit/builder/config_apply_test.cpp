// The metadata instructions' effect on an image config, and the build cache's keys and index.
#include "config_apply.hpp"

#include <gtest/gtest.h>

#include "berth/base/temp_dir.hpp"
#include "berth/builder/build.hpp"
#include "build_cache.hpp"
#include "plan_helpers.hpp"

namespace berth::builder {
namespace {

using testing::MustPlan;

// The config after the steps of a one-stage Containerfile on an empty base, with `base`'s
// config as the starting point.
store::ImageConfig Apply(std::string_view text, store::ContainerConfig base = {}) {
  BuildPlan plan = MustPlan(text);
  store::ImageConfig c;
  c.config = std::move(base);
  bool cmd_set = false;
  for (const Step& s : plan.stages.back().steps) {
    if (s.kind == StepKind::kCmd) cmd_set = true;
    auto r = ApplyMetadataStep(s, "Containerfile", cmd_set, c);
    EXPECT_TRUE(r) << r.error().ToString();
  }
  return c;
}

TEST(ConfigApplyTest, EnvLabelUserWorkdirStopSignal) {
  store::ContainerConfig base;
  base.env = {"PATH=/bin", "A=1"};
  auto c = Apply(
      "FROM b\nENV A=2 B=\"two words\"\nENV C 3\nLABEL x=y \"k k\"=v\nUSER app:app\n"
      "WORKDIR /srv\nWORKDIR sub\nSTOPSIGNAL SIGINT\nMAINTAINER me\n",
      base);
  EXPECT_EQ(c.config.env, (std::vector<std::string>{"PATH=/bin", "A=2", "B=two words", "C=3"}));
  EXPECT_EQ(c.config.labels, (std::map<std::string, std::string>{{"k k", "v"}, {"x", "y"}}));
  EXPECT_EQ(c.config.user, "app:app");
  EXPECT_EQ(c.config.working_dir, "/srv/sub");
  EXPECT_EQ(c.config.stop_signal, "SIGINT");
  EXPECT_EQ(c.author, "me");
}

TEST(ConfigApplyTest, ExposeAndVolumeAreSortedAndUnique) {
  auto c = Apply("FROM b\nEXPOSE 80 53/udp 80/tcp 8000-8002\nVOLUME /data\nVOLUME [\"/a\", \"/data\"]\n");
  EXPECT_EQ(c.config.exposed_ports, (std::vector<std::string>{"53/udp", "80/tcp", "8000/tcp",
                                                              "8001/tcp", "8002/tcp"}));
  EXPECT_EQ(c.config.volumes, (std::vector<std::string>{"/a", "/data"}));
  BuildPlan plan = MustPlan("FROM b\nEXPOSE 99999\n");
  store::ImageConfig bad;
  auto r = ApplyMetadataStep(plan.stages[0].steps[0], "Containerfile", false, bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Containerfile:2: invalid port 99999: EXPOSE 99999");
}

TEST(ConfigApplyTest, EntrypointClearsOnlyTheBaseImagesCmd) {
  store::ContainerConfig base;
  base.cmd = std::vector<std::string>{"sh"};
  auto inherited = Apply("FROM b\nENTRYPOINT [\"/app\"]\n", base);
  EXPECT_EQ(inherited.config.entrypoint, (std::vector<std::string>{"/app"}));
  EXPECT_FALSE(inherited.config.cmd);
  auto own = Apply("FROM b\nCMD [\"--help\"]\nENTRYPOINT /app run\n", base);
  EXPECT_EQ(own.config.cmd, (std::vector<std::string>{"--help"}));
  EXPECT_EQ(own.config.entrypoint, (std::vector<std::string>{"/bin/sh", "-c", "/app run"}));
}

TEST(ConfigApplyTest, ShellHealthcheckOnbuild) {
  auto c = Apply(
      "FROM b\nSHELL [\"/bin/bash\", \"-c\"]\nCMD echo hi\n"
      "HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://localhost/\nONBUILD RUN make\n");
  EXPECT_EQ(c.config.shell, (std::vector<std::string>{"/bin/bash", "-c"}));
  EXPECT_EQ(c.config.cmd, (std::vector<std::string>{"/bin/bash", "-c", "echo hi"}));
  EXPECT_EQ(c.config.healthcheck_json,
            R"({"Interval":5000000000,"Retries":3,"Test":["CMD-SHELL","curl -f http://localhost/"]})");
  EXPECT_EQ(c.config.on_build, (std::vector<std::string>{"RUN make"}));
}

TEST(BuildCacheTest, KeysSeparateTheirPartsAndTheIndexDropsGoneImages) {
  EXPECT_EQ(StepCacheKey("p", "RUN a", ""), StepCacheKey("p", "RUN a", ""));
  EXPECT_NE(StepCacheKey("p", "RUN a", ""), StepCacheKey("p", "RUN a", "x"));
  EXPECT_NE(StepCacheKey("pR", "UN a", ""), StepCacheKey("p", "RUN a", ""));
  EXPECT_NE(StepCacheKey("", "p", ""), StepCacheKey("p", "", ""));
  EXPECT_EQ(StepCacheKey("a", "b", "c").size(), 64u);

  auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "berth-cache-");
  ASSERT_TRUE(dir);
  auto s = store::Store::Open(dir->path() / "store");
  ASSERT_TRUE(s) << s.error().ToString();
  BuildCache cache(dir->path() / "store");
  std::string key = StepCacheKey("", "FROM scratch", "");
  EXPECT_FALSE(cache.Lookup(*s, key));
  store::ImageRecord gone;
  gone.config = store::Digest::Of("no such config");
  ASSERT_TRUE(cache.Record(key, gone));
  EXPECT_FALSE(cache.Lookup(*s, key)) << "an entry whose image is gone is a miss";
  EXPECT_EQ(IntermediateImages(dir->path() / "store"),
            (std::set<std::string>{gone.config.String()}));
}

}  // namespace
}  // namespace berth::builder
