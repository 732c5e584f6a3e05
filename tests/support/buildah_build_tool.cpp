#include "support/buildah_build_tool.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "berth/base/subprocess.hpp"

namespace berth::testing {

namespace fs = std::filesystem;

std::string BuildahUnavailable() {
  static const std::string why = [] {
    if (::geteuid() != 0) return std::string("needs root");
    auto buildah = RunCommand({"buildah", "--version"});
    if (!buildah || !buildah->status.ok()) return std::string("buildah not runnable");
    auto skopeo = RunCommand({"skopeo", "--version"});
    if (!skopeo || !skopeo->status.ok()) return std::string("skopeo not runnable");
    return std::string();
  }();
  return why;
}

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

BuildahBuildTool::~BuildahBuildTool() {
  if (!binary_.empty()) Buildah({"rm", "--all"});
  if (mounted_) ::umount2(runroot_.c_str(), MNT_DETACH);
}

std::string BuildahBuildTool::Open(const fs::path& work, const fs::path& layout,
                                   const std::string& ref) {
  root_ = work / "root";
  runroot_ = work / "run";
  std::error_code ec;
  fs::create_directories(root_, ec);
  fs::create_directories(runroot_, ec);
  if (ec) return "mkdir " + work.string() + ": " + ec.message();
  if (::mount("tmpfs", runroot_.c_str(), "tmpfs", 0, "size=64m,mode=0700") != 0) {
    return "mount tmpfs on " + runroot_.string() + ": " + std::strerror(errno);
  }
  mounted_ = true;
  binary_ = FindInPath("buildah");
  if (binary_.empty()) return "buildah not found in PATH";
  std::string dest =
      "containers-storage:[vfs@" + root_.string() + "+" + runroot_.string() + "]" + ref;
  auto copied = RunCommand(
      {"skopeo", "--insecure-policy", "copy", "-q", "oci:" + layout.string() + ":" + ref, dest});
  if (!copied || !copied->status.ok()) return "skopeo copy of the base image failed";
  CliResult images = Buildah({"images", "-q"});
  if (images.status != 0) return "buildah images failed: " + images.err;
  return "";
}

CliResult BuildahBuildTool::Buildah(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"--runroot", runroot_.string(), "--storage-driver", "vfs"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCli(binary_, root_, argv);
}

CliResult BuildahBuildTool::Build(const fs::path& context, const std::string& tag,
                                  const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"bud",    "--isolation",  "chroot", "--layers", "--format",
                                   "docker", "--pull=never", "-t",     tag};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(context.string());
  return Buildah(argv);
}

std::string BuildahBuildTool::Container(const std::string& image) {
  auto it = containers_.find(image);
  if (it != containers_.end()) return it->second;
  CliResult r = Buildah({"from", "--pull=never", "--quiet", image});
  if (r.status != 0) return "";
  std::string name = LastLine(r.out);
  containers_[image] = name;
  return name;
}

CliResult BuildahBuildTool::Run(const std::string& image, const std::vector<std::string>& argv) {
  std::string ctr = Container(image);
  if (ctr.empty()) return CliResult{1, "", "buildah from " + image + " failed"};
  std::vector<std::string> cmd = argv;
  if (cmd.empty()) {
    // What a runtime runs: Entrypoint + Cmd of the config (buildah run takes no default).
    nlohmann::json cfg = ImageConfig(image).value("config", nlohmann::json::object());
    for (const char* key : {"Entrypoint", "Cmd"}) {
      if (cfg.contains(key) && cfg[key].is_array()) {
        for (const auto& a : cfg[key]) cmd.push_back(a.get<std::string>());
      }
    }
  }
  std::vector<std::string> args = {"run", "--isolation", "chroot", ctr, "--"};
  args.insert(args.end(), cmd.begin(), cmd.end());
  return Buildah(args);
}

nlohmann::json BuildahBuildTool::ImageConfig(const std::string& image) {
  CliResult r = Buildah({"inspect", "--type", "image", image});
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (r.status != 0 || !j.is_object() || !j.contains("Config")) return nullptr;
  nlohmann::json cfg =
      nlohmann::json::parse(j["Config"].get<std::string>(), nullptr, /*allow_exceptions=*/false);
  if (!cfg.is_object()) return nullptr;
  // buildah's own label on every image it commits; not part of what the Containerfile says.
  if (cfg.contains("config") && cfg["config"].contains("Labels") &&
      cfg["config"]["Labels"].is_object()) {
    cfg["config"]["Labels"].erase("io.buildah.version");
  }
  return cfg;
}

std::string BuildahBuildTool::ImageId(const std::string& image) {
  CliResult r = Buildah({"inspect", "--type", "image", "--format", "{{.FromImageID}}", image});
  return r.status == 0 ? TrimTrailing(r.out) : "";
}

std::vector<std::string> BuildahBuildTool::ImageIds() {
  // Named images only: with --layers, buildah keeps the images of the steps before a
  // failed one as its cache, unnamed (and `buildah images` lists some of them).
  CliResult r = Buildah({"images", "--json"});
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> ids;
  if (!j.is_array()) return ids;
  for (const auto& image : j) {
    if (!image.value("names", nlohmann::json::array()).empty()) {
      ids.push_back(image.value("id", ""));
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

fs::path BuildahBuildTool::MountImage(const std::string& image) {
  std::string ctr = Container(image);
  if (ctr.empty()) return {};
  CliResult r = Buildah({"mount", ctr});
  return r.status == 0 ? fs::path(LastLine(r.out)) : fs::path();
}

}  // namespace berth::testing
