// The testdata/build cases against the oracle: each case is built with buildah 1.28 (`bud
// --isolation chroot --layers --format docker`, fresh vfs storage) and its `expect` file
// checked against that image, exactly as build_testdata_test.cpp checks berth's. This is
// what makes the expectations trustworthy before berth can build: an `expect` line that
// buildah does not satisfy is either wrong or a documented difference (`oracle none`).
// For bad-input cases only the failure is checked (buildah's wording is its own).
//
// Each test runs in a child with a private mount namespace (buildah's runroot tmpfs and
// its mounts go with it); the storage is removed by the parent afterwards. Needs root,
// buildah and skopeo; skips by probe otherwise, fails instead under
// BERTH_TEST_REQUIRE_PRIVILEGED=1.
//
// It checks the test data, not berth, at about 8 s a case: it runs only with
// BERTH_BUILDAH_ORACLE=1 (after a change to testdata/build), so that every CI run does not
// pay for it; buildah_differential_test.cpp compares berth with buildah on every run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/build_case.hpp"
#include "support/build_tool.hpp"
#include "support/buildah_build_tool.hpp"
#include "support/busybox_image.hpp"
#include "support/busybox_store_test.hpp"
#include "support/run_in_child.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

class BuildahOracleTest : public ::testing::TestWithParam<BuildCase> {
 protected:
  static bool Wanted() {
    const char* v = std::getenv("BERTH_BUILDAH_ORACLE");
    return v && std::string(v) == "1";
  }
  static void SetUpTestSuite() {
    if (!Wanted() || !BuildahUnavailable().empty()) return;
    auto dir = TempDir::Create(fs::temp_directory_path(), "berth-buildah-oracle-");
    ASSERT_TRUE(dir) << dir.error().ToString();
    suite_dir_ = new TempDir(std::move(*dir));
    ASSERT_EQ(MakeBusyboxLayout(Layout(), kBusybox), "");
  }
  static void TearDownTestSuite() {
    delete suite_dir_;
    suite_dir_ = nullptr;
  }
  void SetUp() override {
    if (!Wanted()) GTEST_SKIP() << "the buildah oracle runs with BERTH_BUILDAH_ORACLE=1";
    std::string why = BuildahUnavailable();
    if (!why.empty()) {
      if (RequirePrivileged()) FAIL() << why;
      GTEST_SKIP() << why;
    }
  }
  static fs::path Layout() { return suite_dir_->path() / "busybox-layout"; }

 private:
  static inline TempDir* suite_dir_ = nullptr;
};

TEST_P(BuildahOracleTest, ExpectHolds) {
  const BuildCase& c = GetParam();
  ASSERT_EQ(c.parse_error, "") << c.name;
  if (!c.oracle_skip.empty()) GTEST_SKIP() << "not checked against buildah: " << c.oracle_skip;
  auto work = TempDir::Create(fs::temp_directory_path(), "berth-buildah-case-");
  ASSERT_TRUE(work) << work.error().ToString();
  const fs::path context = work->path() / "context";
  ASSERT_EQ(PrepareContext(c, context), "");
  RunInChild([&] {
    BuildahBuildTool buildah;
    ASSERT_EQ(buildah.Open(work->path() / "buildah", Layout(), kBusybox), "");
    CheckBuildCase(buildah, c, context);
  });
}

INSTANTIATE_TEST_SUITE_P(Testdata, BuildahOracleTest,
                         ::testing::ValuesIn(LoadBuildCases(BuildTestdataDir())),
                         [](const ::testing::TestParamInfo<BuildCase>& info) {
                           return TestNameOf(info.param);
                         });

}  // namespace
}  // namespace berth::testing
