#include "berth/runner/container_cgroup.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "berth/base/strings.hpp"
#include "berth/runner/device_bpf.hpp"
#include "cgroup_files.hpp"

namespace berth::runner {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// How long Destroy waits for killed processes to leave and for busy directories.
constexpr auto kKillTimeout = std::chrono::seconds(10);
constexpr auto kRmdirTimeout = std::chrono::seconds(2);

Result<void> CheckName(const std::string& name) {
  bool ok = !name.empty() && name.front() != '/' && name.back() != '/';
  for (const std::string& part : Split(name, '/')) {
    if (part.empty() || part == "." || part == "..") ok = false;
  }
  if (ok) return Ok();
  return MakeError(ErrorCode::kInvalidArgument,
                   "invalid cgroup name " + Quote(name) +
                       ": expected a relative path without '.' or '..' components");
}

// A hierarchy the container gets a directory in.
struct Hierarchy {
  fs::path root;
  bool cpuset = false;
};

std::vector<Hierarchy> Hierarchies(const CgroupLayout& layout) {
  std::vector<Hierarchy> out;
  if (layout.mode != CgroupLayout::Mode::kV2) {
    for (const auto& [path, controllers] : layout.V1Hierarchies()) {
      bool cpuset =
          std::find(controllers.begin(), controllers.end(), "cpuset") != controllers.end();
      out.push_back({path, cpuset});
    }
  }
  if (layout.mode != CgroupLayout::Mode::kV1) out.push_back({layout.unified, false});
  return out;
}

// A new v1 cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and a process cannot
// join it (ENOSPC) until both are set; copy the parent's, as runc does.
Result<void> InitCpuset(const fs::path& parent, const fs::path& dir) {
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    BERTH_ASSIGN_OR_RETURN(std::string value, ReadCgroupFile(dir / file));
    if (!value.empty()) continue;
    BERTH_ASSIGN_OR_RETURN(std::string inherited, ReadCgroupFile(parent / file));
    BERTH_TRY(WriteCgroupFile(dir / file, inherited));
  }
  return Ok();
}

// Enables `controllers` for the children of `dir` (cgroup v2), skipping enabled ones.
Result<void> EnableControllers(const fs::path& dir, const std::vector<std::string>& controllers) {
  if (controllers.empty()) return Ok();
  fs::path file = dir / "cgroup.subtree_control";
  BERTH_ASSIGN_OR_RETURN(std::string enabled, ReadCgroupFile(file));
  std::vector<std::string> have = Split(enabled, ' ');
  for (const std::string& c : controllers) {
    if (std::find(have.begin(), have.end(), c) != have.end()) continue;
    BERTH_TRY(WriteCgroupFile(file, "+" + c));
  }
  return Ok();
}

size_t Depth(const fs::path& p) { return static_cast<size_t>(std::distance(p.begin(), p.end())); }

}  // namespace

ContainerCgroup::ContainerCgroup(ContainerCgroup&& other) noexcept
    : layout_(std::move(other.layout_)),
      name_(std::move(other.name_)),
      dirs_(std::exchange(other.dirs_, {})),
      created_(std::exchange(other.created_, {})),
      owned_(std::exchange(other.owned_, false)) {}

ContainerCgroup& ContainerCgroup::operator=(ContainerCgroup&& other) noexcept {
  if (this != &other) {
    if (owned_) (void)Destroy();
    layout_ = std::move(other.layout_);
    name_ = std::move(other.name_);
    dirs_ = std::exchange(other.dirs_, {});
    created_ = std::exchange(other.created_, {});
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

ContainerCgroup::~ContainerCgroup() {
  if (owned_) (void)Destroy();
}

Result<ContainerCgroup> ContainerCgroup::Create(const CgroupLayout& layout, const std::string& name,
                                                const CgroupPlan& plan) {
  BERTH_TRY(CheckName(name));
  ContainerCgroup cg(layout, name, /*owned=*/true);
  std::string what = "create cgroup " + Quote(name);
  for (const Hierarchy& h : Hierarchies(layout)) {
    bool v2 = layout.mode == CgroupLayout::Mode::kV2;
    auto made =
        cg.MakeDirs(h.root, h.cpuset, v2 ? plan.enable_controllers : std::vector<std::string>{});
    if (!made) return std::move(made).error().Context(what);
  }
  for (const CgroupWrite& w : plan.writes) {
    fs::path dir = cg.DirFor(w.controller);
    if (dir.empty()) {
      return MakeError(ErrorCode::kInternal, what + ": the plan writes " + Quote(w.file) +
                                                 " to a hierarchy the layout does not have");
    }
    auto written = WriteCgroupFile(dir / w.file, w.value);
    if (!written) return std::move(written).error().Context(what);
  }
  if (!plan.bpf_device_rules.empty()) {
    auto attached = AttachDeviceProgram(cg.DirFor(""), plan.bpf_device_rules);
    if (!attached) return std::move(attached).error().Context(what);
  }
  return cg;
}

Result<void> ContainerCgroup::MakeDirs(const fs::path& root, bool cpuset,
                                       const std::vector<std::string>& enable) {
  // The last container of the shared parent ("berth") removes it as it goes; a parent that
  // vanishes between our mkdir of it and of the leaf (ENOENT) is made again.
  for (int attempt = 1;; ++attempt) {
    auto made = MakeDirsOnce(root, cpuset, enable);
    if (made || made.error().code != ErrorCode::kNotFound || attempt == 100) return made;
  }
}

Result<void> ContainerCgroup::MakeDirsOnce(const fs::path& root, bool cpuset,
                                           const std::vector<std::string>& enable) {
  fs::path dir = root;
  std::vector<std::string> parts = Split(name_, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    BERTH_TRY(EnableControllers(dir, enable));
    fs::path parent = dir;
    dir /= parts[i];
    bool leaf = i + 1 == parts.size();
    if (::mkdir(dir.c_str(), 0755) == 0) {
      if (!leaf && std::find(created_.begin(), created_.end(), dir) == created_.end()) {
        created_.push_back(dir);
      }
    } else if (errno != EEXIST) {
      return SysError("mkdir " + Quote(dir.string()), errno);
    } else if (leaf) {
      BERTH_ASSIGN_OR_RETURN(std::vector<pid_t> pids, ReadCgroupProcs(dir));
      if (!pids.empty()) {
        return MakeError(ErrorCode::kAlreadyExists,
                         Quote(dir.string()) + " exists and holds processes",
                         "another container uses this cgroup name");
      }
    }
    if (leaf) dirs_.push_back(dir);
    if (cpuset) BERTH_TRY(InitCpuset(parent, dir));
  }
  return Ok();
}

fs::path ContainerCgroup::DirFor(const std::string& controller) const {
  fs::path root;
  if (controller.empty()) {
    root = layout_.unified;
  } else if (auto it = layout_.v1.find(controller); it != layout_.v1.end()) {
    root = it->second;
  }
  if (root.empty()) return {};
  fs::path dir = root / name_;
  return std::find(dirs_.begin(), dirs_.end(), dir) != dirs_.end() ? dir : fs::path();
}

Result<ContainerCgroup> ContainerCgroup::Open(const CgroupLayout& layout, const std::string& name) {
  BERTH_TRY(CheckName(name));
  ContainerCgroup cg(layout, name, /*owned=*/false);
  for (const Hierarchy& h : Hierarchies(layout)) {
    struct stat st;
    fs::path dir = h.root / name;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) cg.dirs_.push_back(dir);
  }
  if (cg.dirs_.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "open cgroup " + Quote(name) + ": no cgroup hierarchy has it");
  }
  return cg;
}

Result<void> ContainerCgroup::AddProcess(pid_t pid) {
  for (const fs::path& dir : dirs_) {
    auto written = WriteCgroupFile(dir / "cgroup.procs", std::to_string(pid));
    if (!written) {
      return std::move(written).error().Context("add process " + std::to_string(pid) +
                                                " to cgroup " + Quote(name_));
    }
  }
  return Ok();
}

Result<void> ContainerCgroup::Destroy() {
  if (dirs_.empty() && created_.empty()) return Ok();
  std::string what = "remove cgroup " + Quote(name_);
  auto killed = KillAll();
  if (!killed) return std::move(killed).error().Context(what);
  auto removed = RemoveDirs();
  if (!removed) return std::move(removed).error().Context(what);
  return Ok();
}

Result<void> ContainerCgroup::KillAll() {
  fs::path unified = DirFor("");
  if (!unified.empty()) {
    // cgroup.kill (5.14+) kills every process at once, including ones forked meanwhile.
    auto killed = WriteCgroupFile(unified / "cgroup.kill", "1");
    if (!killed && killed.error().code != ErrorCode::kNotFound) return killed;
  }
  auto deadline = Clock::now() + kKillTimeout;
  auto pause = milliseconds(1);
  for (;;) {
    bool any = false;
    for (const fs::path& dir : dirs_) {
      auto pids = ReadCgroupProcs(dir);
      if (!pids) {
        if (pids.error().code == ErrorCode::kNotFound) continue;  // already removed
        return std::move(pids).error();
      }
      // A pid read here could in theory exit and be reused before the kill; v1 without
      // cgroup.kill has no race-free way short of the freezer.
      for (pid_t pid : *pids) ::kill(pid, SIGKILL);
      any = any || !pids->empty();
    }
    if (!any) return Ok();
    if (Clock::now() > deadline) {
      return MakeError(ErrorCode::kBusy, "processes are still running after SIGKILL",
                       "a process in uninterruptible sleep (D state) cannot die until its "
                       "i/o completes");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, milliseconds(100));
  }
}

Result<void> ContainerCgroup::RemoveDirs() {
  std::vector<std::pair<fs::path, bool>> all;  // path, is a container directory
  for (const fs::path& d : dirs_) all.emplace_back(d, true);
  for (const fs::path& d : created_) all.emplace_back(d, false);
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return Depth(a.first) > Depth(b.first); });
  for (const auto& [dir, mine] : all) {
    auto deadline = Clock::now() + kRmdirTimeout;
    while (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
      int err = errno;
      // A parent that other containers still use stays.
      if (!mine && (err == EBUSY || err == ENOTEMPTY || err == EEXIST)) break;
      // The kernel may report a cgroup busy for a moment after its last process died.
      if (err != EBUSY || Clock::now() > deadline) {
        return SysError("rmdir " + Quote(dir.string()), err);
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    if (mine) dirs_.erase(std::find(dirs_.begin(), dirs_.end(), dir));
  }
  dirs_.clear();
  created_.clear();
  return Ok();
}

}  // namespace berth::runner
