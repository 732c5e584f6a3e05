// BerthBuildTool: BuildTool (build_tool.hpp) over the berth binary and one store:
// `berth build`, `berth run --rm`, `berth inspect` plus the config blob in the store.

// Not thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support/build_tool.hpp"

namespace berth::testing {

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
