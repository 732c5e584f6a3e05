#include "support/berth_build_tool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace berth::testing {

namespace fs = std::filesystem;

CliResult BerthBuildTool::Build(const fs::path& context, const std::string& tag,
                                const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"build", "-t", tag};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(context.string());
  return RunCli(binary_, root_, argv);
}

CliResult BerthBuildTool::Run(const std::string& image, const std::vector<std::string>& argv) {
  std::vector<std::string> args = {"run", "--rm"};
  if (!argv.empty()) args.insert(args.end(), {"--entrypoint", ""});
  args.push_back(image);
  args.insert(args.end(), argv.begin(), argv.end());
  return RunCli(binary_, root_, args);
}

nlohmann::json BerthBuildTool::Inspect(const std::string& image) {
  CliResult r = RunCli(binary_, root_, {"inspect", "--type", "image", image});
  if (r.status != 0) return nullptr;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array() || j.empty()) return nullptr;
  return j[0];
}

std::string BerthBuildTool::ImageId(const std::string& image) {
  nlohmann::json j = Inspect(image);
  if (!j.is_object()) return "";
  return j.value("Id", "");
}

nlohmann::json BerthBuildTool::ImageConfig(const std::string& image) {
  std::string id = ImageId(image);
  if (id.empty()) {
    ADD_FAILURE() << "berth inspect " << image << " failed";
    return nullptr;
  }
  // The config blob itself, as `berth push` sends it (inspect shows only some fields).
  std::string text = ReadText(root_ / "blobs" / "sha256" / id);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) ADD_FAILURE() << "config blob " << id << " of " << image << " unreadable";
  return j.is_object() ? j : nlohmann::json();
}

std::vector<std::string> BerthBuildTool::ImageIds() {
  CliResult r = RunCli(binary_, root_, {"images", "-q", "--no-trunc"});
  std::vector<std::string> ids;
  for (std::string l : Lines(r.out)) {
    if (l.rfind("sha256:", 0) == 0) l = l.substr(7);
    if (!l.empty()) ids.push_back(l);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

void BerthBuildTool::ExpectNoLeftovers() {
  EXPECT_EQ(DirEntries(root_ / "containers"), std::vector<std::string>{})
      << "containers left in the store after a build";
  EXPECT_EQ(MountsUnder(root_), std::vector<std::string>{})
      << "mounts left under the store after a build";
}

std::vector<std::string> DirEntries(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n[0] != '.') out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// mountinfo escapes blanks, tabs, newlines and backslashes as \ooo.
static std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> MountsUnder(const fs::path& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::vector<std::string> out;
  const std::string prefix = path.string();
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    point = Unescape(point);
    if (point == prefix || point.rfind(prefix + "/", 0) == 0) out.push_back(point);
  }
  return out;
}

}  // namespace berth::testing
