#include "berth/runner/cgroup_mounts.hpp"

#include <sys/mount.h>

#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

constexpr unsigned long kCgroupFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
constexpr unsigned long kTmpfsFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

CgroupMount Cgroup2(std::filesystem::path target) {
  CgroupMount m;
  m.target = std::move(target);
  m.fstype = m.source = "cgroup2";
  m.flags = kCgroupFlags;
  return m;
}

}  // namespace

std::vector<CgroupMount> PlanCgroupMounts(const CgroupLayout& layout) {
  if (layout.mode == CgroupLayout::Mode::kV2) return {Cgroup2("")};
  std::vector<CgroupMount> mounts;
  CgroupMount tmpfs;
  tmpfs.fstype = tmpfs.source = "tmpfs";
  tmpfs.flags = kTmpfsFlags;
  tmpfs.data = "mode=755";
  mounts.push_back(tmpfs);
  std::vector<CgroupMount> links;
  for (const auto& [host_path, controllers] : layout.V1Hierarchies()) {
    std::string name = Join(controllers, ",");
    CgroupMount m;
    m.target = name;
    m.fstype = m.source = "cgroup";
    m.flags = kCgroupFlags;
    m.data = name;
    mounts.push_back(m);
    if (controllers.size() < 2) continue;
    for (const std::string& c : controllers) {
      CgroupMount link;
      link.kind = CgroupMount::Kind::kSymlink;
      link.target = c;
      link.link_to = name;
      links.push_back(link);
    }
  }
  if (layout.mode == CgroupLayout::Mode::kHybrid) mounts.push_back(Cgroup2("unified"));
  mounts.insert(mounts.end(), links.begin(), links.end());
  CgroupMount ro = tmpfs;
  ro.kind = CgroupMount::Kind::kRemountReadOnly;
  ro.flags |= MS_RDONLY;
  mounts.push_back(ro);
  return mounts;
}

}  // namespace berth::runner
