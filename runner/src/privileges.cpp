#include "berth/runner/privileges.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

// "<caps mask>-<kernel>-<berth version>": a program depends on nothing else.
std::string CacheKey(const CapabilitySet& caps) {
  KernelVersion k = RunningKernelVersion();
  char key[96];
  std::snprintf(key, sizeof key, "default-%016llx-%d.%d-%s",
                static_cast<unsigned long long>(caps.mask()), k.major, k.minor, BERTH_VERSION);
  return key;
}

std::optional<SeccompProgram> LoadCached(const std::filesystem::path& file) {
  auto bytes = ReadFile(file, 1 << 20);
  if (!bytes || bytes->size() < sizeof(uint32_t) ||
      (bytes->size() - sizeof(uint32_t)) % sizeof(sock_filter) != 0) {
    return std::nullopt;
  }
  SeccompProgram p;
  std::memcpy(&p.flags, bytes->data(), sizeof p.flags);
  p.filter.resize((bytes->size() - sizeof(uint32_t)) / sizeof(sock_filter));
  std::memcpy(p.filter.data(), bytes->data() + sizeof(uint32_t), bytes->size() - sizeof(uint32_t));
  return p;
}

void StoreCached(const std::filesystem::path& file, const SeccompProgram& p) {
  std::string bytes(reinterpret_cast<const char*>(&p.flags), sizeof p.flags);
  bytes.append(reinterpret_cast<const char*>(p.filter.data()),
               p.filter.size() * sizeof(sock_filter));
  if (MakeDirs(file.parent_path())) (void)WriteFileAtomic(file, bytes, 0644);
}

}  // namespace

Result<Privileges> PreparePrivileges(const PrivilegeOptions& o,
                                     const std::filesystem::path& cache_dir) {
  Privileges p;
  BERTH_ASSIGN_OR_RETURN(p.last_cap, LastCap());
  BERTH_ASSIGN_OR_RETURN(p.caps,
                         ResolveCapabilities(o.cap_add, o.cap_drop, o.privileged, p.last_cap));
  // A container cannot get what berth lacks (here, e.g., no CAP_SYS_RESOURCE): --privileged
  // and --cap-add ALL mean every capability of berth's own bounding set, as with podman.
  for (int cap = 0; cap <= p.last_cap; ++cap) {
    if (p.caps.Has(cap) && ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) p.caps.Remove(cap);
  }
  p.no_new_privs = !o.privileged;
  SeccompOption choice;
  choice.kind = SeccompOption::Kind::kDefault;
  if (!o.seccomp.empty()) {
    BERTH_ASSIGN_OR_RETURN(choice, ParseSeccompOption(o.seccomp));
  }
  if (choice.kind == SeccompOption::Kind::kDefault && !o.privileged && !cache_dir.empty()) {
    auto file = cache_dir / CacheKey(p.caps);
    if (auto cached = LoadCached(file)) {
      p.seccomp = std::move(cached);
    } else {
      BERTH_ASSIGN_OR_RETURN(p.seccomp, PrepareSeccomp(choice, p.caps, o.privileged));
      if (p.seccomp) StoreCached(file, *p.seccomp);
    }
  } else {
    BERTH_ASSIGN_OR_RETURN(p.seccomp, PrepareSeccomp(choice, p.caps, o.privileged));
  }
  std::vector<Ulimit> requested;
  for (const auto& u : o.ulimits) {
    BERTH_ASSIGN_OR_RETURN(Ulimit parsed, ParseUlimit(u));
    requested.push_back(parsed);
  }
  BERTH_TRY(CheckUlimits(requested));
  BERTH_ASSIGN_OR_RETURN(p.ulimits, WithDefaultUlimits(std::move(requested)));
  return p;
}

int ApplyPrivilegesBeforeIds(const Privileges& p, const char** step) noexcept {
  size_t bad = 0;
  if (int err = ApplyUlimits(p.ulimits.data(), p.ulimits.size(), &bad)) {
    *step = "set ulimits";
    return err;
  }
  if (p.no_new_privs) {
    if (int err = SetNoNewPrivs()) {
      *step = "set no_new_privs";
      return err;
    }
  }
  if (int err = DropBoundingSet(p.caps, p.last_cap)) {
    *step = "drop capabilities from the bounding set";
    return err;
  }
  return 0;
}

int ApplyPrivilegesAfterIds(const Privileges& p, bool is_root, const char** step) noexcept {
  if (int err = SetProcessCapabilities(p.caps, is_root, step)) return err;
  if (p.seccomp) {
    if (int err = InstallSeccomp(*p.seccomp)) {
      *step = "install seccomp filter";
      return err;
    }
  }
  return 0;
}

}  // namespace berth::runner
