// BuildTool: what the build tests need from an image builder (berth, or buildah as the
// oracle), and CheckBuildCase, which builds a testdata/build case with one and checks its
// `expect` file (build_case.hpp) with GoogleTest assertions.
//
// A tool owns its store; images are named by the caller ("localhost/berth-build-test/x").
// Implementations: berth_build_tool.hpp, buildah_build_tool.hpp. Not thread-safe.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/berth_cli.hpp"
#include "support/build_case.hpp"

namespace berth::testing {

class BuildTool {
 public:
  virtual ~BuildTool() = default;
  virtual std::string Name() const = 0;
  // Builds `context` as `tag` with extra build arguments (already substituted); returns
  // the exit status and output.
  virtual CliResult Build(const std::filesystem::path& context, const std::string& tag,
                          const std::vector<std::string>& args) = 0;
  // Runs `argv` in a new container of `image`, the image's entrypoint cleared, or with
  // `argv` empty the image's default command (Entrypoint + Cmd); returns its result.
  virtual CliResult Run(const std::string& image, const std::vector<std::string>& argv) = 0;
  // The image's config document (the blob: "config", "rootfs", "history", ...), with the
  // tool's own labels removed; null when the image cannot be read (a failure is recorded).
  virtual nlohmann::json ImageConfig(const std::string& image) = 0;
  // The image's id (hex of the config digest), "" when it is missing.
  virtual std::string ImageId(const std::string& image) = 0;
  // The ids of the tagged images in the store, sorted.
  virtual std::vector<std::string> ImageIds() = 0;
  // Whether `error` fragments are checked against this tool's stderr (berth: yes; an
  // oracle's wording differs, only its failure is checked).
  virtual bool ChecksErrorText() const = 0;
  // Checks after a build, success or not: nothing left behind (containers, mounts).
  virtual void ExpectNoLeftovers() {}
};

// The image name a case is built as.
std::string CaseImageName(const BuildCase& c);

// JSON value as the checks compare it: absent, "", [] and {} are all null (buildah's
// Docker-format config writes "User": "", "Cmd": [] where others leave the field out).
nlohmann::json NormaliseField(const nlohmann::json& value);

// Builds the case (prebuilds first) from `context` (a PrepareContext copy) and checks every
// line of its `expect` against the result. Failures name the case and the expect line.
void CheckBuildCase(BuildTool& tool, const BuildCase& c, const std::filesystem::path& context);

// The last non-empty line of `text` ("" if none).
std::string LastLine(const std::string& text);

}  // namespace berth::testing
