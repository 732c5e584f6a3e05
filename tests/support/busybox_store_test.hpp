// BusyboxStoreTest: the fixture of tests that run containers through the CLI. Each suite
// gets a temp store with the busybox stand-in loaded as kBusybox (busybox_image.hpp); the
// suite is skipped where containers cannot run (failed under BERTH_REQUIRE_PRIVILEGED) and
// the store is removed with the suite. A test removes the containers it made.
// Header-only: it needs BERTH_BINARY, which only the integration tests define.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_cli.hpp"
#include "support/busybox_image.hpp"
#include "support/run_in_child.hpp"

namespace berth::testing {

inline constexpr const char* kBusybox = "localhost/berth-test/busybox:latest";

class BusyboxStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static std::filesystem::path Root();
  static CliResult Berth(const std::vector<std::string>& args);
  // Records a failure unless the command exits 0; returns stdout.
  static std::string BerthOk(const std::vector<std::string>& args);
  // `berth run --rm FLAGS... kBusybox sh -c SCRIPT`, expecting exit 0; returns stdout.
  static std::string Sh(const std::string& script, const std::vector<std::string>& flags = {});
  // The container directories in the store (ids), dot entries left out.
  static std::vector<std::string> ContainerDirs();
  static std::string ReadState(const std::string& id);

 private:
  static inline TempDir* work_ = nullptr;
  static inline std::string skip_reason_;
};

inline void BusyboxStoreTest::SetUpTestSuite() {
  skip_reason_ = BusyboxContainersUnavailable();
  if (!skip_reason_.empty()) return;
  auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "berth-ctr-test-");
  ASSERT_TRUE(dir) << dir.error().ToString();
  work_ = new TempDir(std::move(*dir));
  ASSERT_EQ(LoadBusyboxImage(BERTH_BINARY, Root(), work_->path(), kBusybox), "");
}

inline void BusyboxStoreTest::TearDownTestSuite() {
  delete work_;
  work_ = nullptr;
}

inline void BusyboxStoreTest::SetUp() {
  if (!skip_reason_.empty()) {
    if (RequirePrivileged()) FAIL() << skip_reason_;
    GTEST_SKIP() << skip_reason_;
  }
}

inline std::filesystem::path BusyboxStoreTest::Root() { return work_->path() / "store"; }

inline CliResult BusyboxStoreTest::Berth(const std::vector<std::string>& args) {
  return RunCli(BERTH_BINARY, Root(), args);
}

inline std::string BusyboxStoreTest::BerthOk(const std::vector<std::string>& args) {
  return RunCliOk(BERTH_BINARY, Root(), args);
}

inline std::string BusyboxStoreTest::Sh(const std::string& script,
                                        const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"run", "--rm"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {kBusybox, "sh", "-c", script});
  return BerthOk(args);
}

inline std::vector<std::string> BusyboxStoreTest::ContainerDirs() {
  std::vector<std::string> out;
  auto names = ListDir(Root() / "containers");
  if (names) {
    for (const auto& n : *names) {
      if (n[0] != '.') out.push_back(n);
    }
  }
  return out;
}

inline std::string BusyboxStoreTest::ReadState(const std::string& id) {
  return ReadText(Root() / "containers" / id / "state.json");
}

}  // namespace berth::testing
