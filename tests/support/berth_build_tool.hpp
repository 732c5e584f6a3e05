// BerthBuildTool: BuildTool (build_tool.hpp) over the berth binary and one store:
// `berth build`, `berth run --rm`, `berth inspect` plus the config blob in the store.
//
// BerthBuildMissing is the gate of every test of `berth build` while the verb is being
// written: such a test skips with its message while the verb is missing, and runs (and
// fails like any test) as soon as `berth build --help` shows the verb's own help.
// Not thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support/build_tool.hpp"

namespace berth::testing {

// "" when `berth build --help` exits 0 and prints the build verb's usage ("Usage: berth
// build"), else why the verb counts as missing. (CLI11 answers `berth NOSUCH --help` with
// the main help and exit 0, so the exit code alone does not tell.)
std::string BerthBuildMissing(const std::string& berth_binary);

class BerthBuildTool : public BuildTool {
 public:
  BerthBuildTool(std::string binary, std::filesystem::path root)
      : binary_(std::move(binary)), root_(std::move(root)) {}

  std::string Name() const override { return "berth"; }
  CliResult Build(const std::filesystem::path& context, const std::string& tag,
                  const std::vector<std::string>& args) override;
  CliResult Run(const std::string& image, const std::vector<std::string>& argv) override;
  nlohmann::json ImageConfig(const std::string& image) override;
  std::string ImageId(const std::string& image) override;
  std::vector<std::string> ImageIds() override;
  bool ChecksErrorText() const override { return true; }
  // No container left in the store and no mount of the store in this mount namespace.
  void ExpectNoLeftovers() override;

  // `berth inspect IMAGE` as JSON (the first element), null when it fails.
  nlohmann::json Inspect(const std::string& image);

 private:
  std::string binary_;
  std::filesystem::path root_;
};

// The entries of `dir` (names, sorted), dot entries left out; empty when it is missing.
std::vector<std::string> DirEntries(const std::filesystem::path& dir);

// Mount points in /proc/self/mountinfo at or below `path`.
std::vector<std::string> MountsUnder(const std::filesystem::path& path);

}  // namespace berth::testing
