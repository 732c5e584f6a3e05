#include "berth/runner/cgroup_layout.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

// The v1 controllers the kernel knows (cgroup_subsys.h); any other super option of a cgroup
// mount (rw, name=..., noprefix, clone_children, xattr, release_agent=...) is not one.
constexpr std::array<std::string_view, 15> kV1Controllers = {
    "blkio", "cpu",     "cpuacct",  "cpuset",     "devices", "freezer", "hugetlb", "memory",
    "misc",  "net_cls", "net_prio", "perf_event", "pids",    "rdma",    "debug"};

bool IsV1Controller(std::string_view option) {
  return std::find(kV1Controllers.begin(), kV1Controllers.end(), option) != kV1Controllers.end();
}

// Mount points in mountinfo escape space, tab, newline and backslash as \ooo (octal).
std::string UnescapeMountinfo(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      std::string_view oct = text.substr(i + 1, 3);
      if (std::all_of(oct.begin(), oct.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out += static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

struct CgroupMountEntry {
  std::string root;  // the cgroup shown at the mount point ("/" for the whole tree)
  std::string mount_point;
  std::string fstype;  // "cgroup" or "cgroup2"
  std::string super_options;
};

// Parses one mountinfo line; nullopt for a line that is not a cgroup mount.
Result<std::optional<CgroupMountEntry>> ParseLine(std::string_view line, size_t number) {
  std::vector<std::string> fields;
  for (const std::string& f : Split(line, ' ')) {
    if (!f.empty()) fields.push_back(f);
  }
  auto sep = std::find(fields.begin(), fields.end(), "-");
  if (fields.size() < 6 || sep == fields.end() || sep - fields.begin() < 6 ||
      fields.end() - sep < 3) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "parse mountinfo line " + std::to_string(number) + ": " + Quote(line) +
                         ": expected '<id> <parent> <dev> <root> <mount point> <options> ... - "
                         "<fstype> <source> <super options>'");
  }
  const std::string& fstype = *(sep + 1);
  if (fstype != "cgroup" && fstype != "cgroup2") return std::optional<CgroupMountEntry>();
  CgroupMountEntry e;
  e.root = UnescapeMountinfo(fields[3]);
  e.mount_point = UnescapeMountinfo(fields[4]);
  e.fstype = fstype;
  e.super_options = (sep + 3 < fields.end()) ? *(sep + 3) : std::string();
  return std::optional<CgroupMountEntry>(std::move(e));
}

// The first mount of a hierarchy's root wins over any earlier mount of a subtree; otherwise
// the first mount stays.
bool Replaces(bool have, bool have_is_root, const CgroupMountEntry& e) {
  return !have || (!have_is_root && e.root == "/");
}

}  // namespace

std::vector<std::pair<fs::path, std::vector<std::string>>> CgroupLayout::V1Hierarchies() const {
  std::map<fs::path, std::vector<std::string>> by_path;
  for (const auto& [controller, path] : v1) by_path[path].push_back(controller);  // sorted
  return {by_path.begin(), by_path.end()};
}

const char* CgroupModeName(CgroupLayout::Mode mode) {
  switch (mode) {
    case CgroupLayout::Mode::kV1:
      return "v1";
    case CgroupLayout::Mode::kV2:
      return "v2";
    case CgroupLayout::Mode::kHybrid:
      return "hybrid";
  }
  return "unknown";
}

Result<CgroupLayout> DetectCgroupLayout(const fs::path& mountinfo) {
  auto text = ReadFile(mountinfo);
  if (!text) return std::move(text).error().Context("detect cgroup layout");
  CgroupLayout layout;
  bool unified_is_root = false;
  std::map<std::string, bool> v1_is_root;
  size_t number = 0;
  for (const std::string& line : Split(*text, '\n')) {
    ++number;
    if (Trim(line).empty()) continue;
    auto entry = ParseLine(line, number);
    if (!entry) return std::move(entry).error().Context("detect cgroup layout");
    if (!*entry) continue;
    const CgroupMountEntry& e = **entry;
    if (e.fstype == "cgroup2") {
      if (Replaces(!layout.unified.empty(), unified_is_root, e)) {
        layout.unified = e.mount_point;
        unified_is_root = e.root == "/";
      }
      continue;
    }
    for (const std::string& option : Split(e.super_options, ',')) {
      if (!IsV1Controller(option)) continue;
      auto it = v1_is_root.find(option);
      if (Replaces(it != v1_is_root.end(), it != v1_is_root.end() && it->second, e)) {
        layout.v1[option] = e.mount_point;
        v1_is_root[option] = e.root == "/";
      }
    }
  }
  if (layout.unified.empty() && layout.v1.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "detect cgroup layout: no cgroup filesystem is mounted (" +
                         Quote(mountinfo.string()) + " lists neither cgroup2 nor cgroup)",
                     "mount cgroup2 on /sys/fs/cgroup");
  }
  if (layout.v1.empty()) {
    layout.mode = CgroupLayout::Mode::kV2;
  } else {
    layout.mode = layout.unified.empty() ? CgroupLayout::Mode::kV1 : CgroupLayout::Mode::kHybrid;
  }
  return layout;
}

Result<CgroupSupport> ProbeCgroupSupport(const CgroupLayout& layout) {
  CgroupSupport support;
  std::error_code ec;
  if (layout.mode == CgroupLayout::Mode::kV2) {
    fs::path file = layout.unified / "cgroup.controllers";
    auto text = ReadFile(file);
    if (!text) return std::move(text).error().Context("probe cgroup v2 controllers");
    for (const std::string& c : Split(std::string(Trim(*text)), ' ')) {
      if (!c.empty()) support.controllers.insert(c);
    }
    support.swap = support.controllers.count("memory") > 0;
    support.cpu_quota = support.controllers.count("cpu") > 0;
    return support;
  }
  for (const auto& [controller, path] : layout.v1) support.controllers.insert(controller);
  if (auto it = layout.v1.find("memory"); it != layout.v1.end()) {
    support.swap = fs::exists(it->second / "memory.memsw.limit_in_bytes", ec);
  }
  if (auto it = layout.v1.find("cpu"); it != layout.v1.end()) {
    support.cpu_quota = fs::exists(it->second / "cpu.cfs_quota_us", ec);
  }
  return support;
}

}  // namespace berth::runner
