// `berth build` over testdata/build: every case dir is built into the suite's store (the
// busybox stand-in loaded as its base) and its `expect` file checked: commands run in the
// image with `berth run --rm`, config fields read from the image's config blob, the
// layer count, the history; bad-input cases must fail with the expected FILE:LINE and
// text and leave no image. After every build, success or not, no container and no mount
// may be left in the store. The format: testdata/build/README.md. The same expect files
// hold for buildah (buildah_oracle_test.cpp).
//
// Gate: while `berth build` does not exist (`berth build --help` shows no build usage)
// every test here skips and says so; once the verb exists they run and fail like any test.
#include <gtest/gtest.h>

#include <filesystem>

#include "berth/base/temp_dir.hpp"
#include "support/berth_build_test.hpp"
#include "support/berth_build_tool.hpp"
#include "support/build_case.hpp"
#include "support/build_tool.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

class BuildTestdataTest : public BerthBuildTest, public ::testing::WithParamInterface<BuildCase> {};

TEST_P(BuildTestdataTest, ExpectHolds) {
  const BuildCase& c = GetParam();
  auto work = TempDir::Create(fs::temp_directory_path(), "berth-build-case-");
  ASSERT_TRUE(work) << work.error().ToString();
  const fs::path context = work->path() / "context";
  ASSERT_EQ(PrepareContext(c, context), "");
  BerthBuildTool berth(BERTH_BINARY, Root());
  CheckBuildCase(berth, c, context);
}

// Not gated: a malformed expect file or a case without a Containerfile fails now, not only
// once the verb exists.
TEST(BuildTestdataFiles, EveryCaseParses) {
  auto cases = LoadBuildCases(BuildTestdataDir());
  EXPECT_GE(cases.size(), 40u) << "testdata/build went missing?";
  for (const auto& c : cases) {
    EXPECT_EQ(c.parse_error, "") << c.name;
    EXPECT_TRUE(fs::exists(c.dir / "Containerfile") || fs::exists(c.dir / "Dockerfile"))
        << c.name << " has no Containerfile";
  }
}

INSTANTIATE_TEST_SUITE_P(Testdata, BuildTestdataTest,
                         ::testing::ValuesIn(LoadBuildCases(BuildTestdataDir())),
                         [](const ::testing::TestParamInfo<BuildCase>& info) {
                           return TestNameOf(info.param);
                         });

}  // namespace
}  // namespace berth::testing
