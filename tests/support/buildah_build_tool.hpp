// BuildahBuildTool: BuildTool (build_tool.hpp) over Debian's buildah 1.28, the oracle of the
// build tests: `buildah bud --isolation chroot --layers --format docker` into a fresh
// storage root of its own (vfs driver), `buildah from` + `buildah run` for the checks.
//
// Setup, as buildah needs it on these machines: the storage root is a directory the caller
// owns (and removes); the runroot is a tmpfs mounted by Open, so the object must live in a
// private mount namespace (RunInChild): the tmpfs, and every mount buildah makes, go with
// that namespace. The base image (the busybox stand-in's OCI layout) is copied in with
// `skopeo copy oci:... containers-storage:[vfs@ROOT+RUNROOT]NAME` (`buildah pull oci:DIR`
// names the image after DIR and refuses a DIR with upper-case letters, as TempDir makes).
//
// `--format docker` keeps HEALTHCHECK, ONBUILD and SHELL, which buildah drops (with a
// warning) from OCI-format images. The label io.buildah.version that buildah adds to every
// image is removed from ImageConfig. Not thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/build_tool.hpp"

namespace berth::testing {

// "" when buildah and skopeo run and this process is root, else why not.
std::string BuildahUnavailable();

// The path of program `name` in $PATH, "" when none (RunCli execs without a PATH search).
std::string FindInPath(const std::string& name);

class BuildahBuildTool : public BuildTool {
 public:
  BuildahBuildTool() = default;
  BuildahBuildTool(const BuildahBuildTool&) = delete;
  BuildahBuildTool& operator=(const BuildahBuildTool&) = delete;
  // Removes the containers it made and unmounts the runroot.
  ~BuildahBuildTool() override;

  // Creates the storage under `work` (root/ and run/, the latter a tmpfs) and copies the
  // OCI layout `layout` (image `ref` in its index) in as `ref`. Call in a private mount
  // namespace. Returns "" or why it failed.
  std::string Open(const std::filesystem::path& work, const std::filesystem::path& layout,
                   const std::string& ref);

  std::string Name() const override { return "buildah"; }
  CliResult Build(const std::filesystem::path& context, const std::string& tag,
                  const std::vector<std::string>& args) override;
  CliResult Run(const std::string& image, const std::vector<std::string>& argv) override;
  nlohmann::json ImageConfig(const std::string& image) override;
  std::string ImageId(const std::string& image) override;
  std::vector<std::string> ImageIds() override;
  bool ChecksErrorText() const override { return false; }

  // The root filesystem of a working container of `image` (`buildah from` + `buildah
  // mount`; with vfs a plain directory), "" on failure.
  std::filesystem::path MountImage(const std::string& image);

  // `buildah --root ... ARGS`.
  CliResult Buildah(const std::vector<std::string>& args);

 private:
  // A working container of `image`, made once and reused; "" on failure.
  std::string Container(const std::string& image);

  std::string binary_;
  std::filesystem::path root_, runroot_;
  bool mounted_ = false;
  std::map<std::string, std::string> containers_;
};

}  // namespace berth::testing
