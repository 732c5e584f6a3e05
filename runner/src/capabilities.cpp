#include "berth/runner/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <charconv>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

// Names without the "CAP_" prefix, indexed by number (linux/capability.h).
constexpr std::array<std::string_view, kLastKnownCap + 1> kCapNames = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};
static_assert(CAP_CHOWN == 0 && CAP_SYS_ADMIN == 21 && CAP_AUDIT_WRITE == 29);
static_assert(CAP_SYSLOG == 34 && CAP_PERFMON == 38 && CAP_BPF == 39);
static_assert(CAP_CHECKPOINT_RESTORE == kLastKnownCap);

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

std::string_view StripCapPrefix(std::string_view name) {
  if (name.size() > 4 && EqualsIgnoreCase(name.substr(0, 4), "CAP_")) name.remove_prefix(4);
  return name;
}

bool IsAll(std::string_view name) { return EqualsIgnoreCase(StripCapPrefix(name), "ALL"); }

// Parses a flag's list; `has_all` reports whether "ALL" was among the values.
Result<CapabilitySet> ParseList(const std::vector<std::string>& names, std::string_view flag,
                                int last_cap, bool* has_all) {
  CapabilitySet set;
  *has_all = false;
  for (const std::string& name : names) {
    if (IsAll(name)) {
      *has_all = true;
      continue;
    }
    auto cap = ParseCapability(name);
    if (!cap) return cap.error().Context(flag);
    if (*cap > last_cap) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string(flag) + ": " + CapabilityName(*cap) +
                           " is not supported by this kernel (last capability " +
                           std::to_string(last_cap) + ")");
    }
    set.Add(*cap);
  }
  return set;
}

}  // namespace

CapabilitySet CapabilitySet::All(int last_cap) {
  if (last_cap < 0) return {};
  if (last_cap >= kMaxCap) return CapabilitySet(~uint64_t{0});
  return CapabilitySet((uint64_t{1} << (last_cap + 1)) - 1);
}

void CapabilitySet::Add(int cap) {
  if (cap >= 0 && cap <= kMaxCap) mask_ |= uint64_t{1} << cap;
}

void CapabilitySet::Remove(int cap) {
  if (cap >= 0 && cap <= kMaxCap) mask_ &= ~(uint64_t{1} << cap);
}

int CapabilitySet::size() const { return std::popcount(mask_); }

std::vector<std::string> CapabilitySet::Names() const {
  std::vector<std::string> out;
  for (int cap = 0; cap <= kMaxCap; ++cap) {
    if (Has(cap)) out.push_back(CapabilityName(cap));
  }
  return out;
}

std::string CapabilitySet::ToString() const { return empty() ? "none" : Join(Names(), ","); }

std::ostream& operator<<(std::ostream& out, const CapabilitySet& caps) {
  return out << caps.ToString();
}

std::string CapabilityName(int cap) {
  if (cap >= 0 && cap <= kLastKnownCap) return "CAP_" + std::string(kCapNames[cap]);
  return "CAP_" + std::to_string(cap);
}

Result<int> ParseCapability(std::string_view name) {
  std::string_view bare = StripCapPrefix(Trim(name));
  for (int cap = 0; cap <= kLastKnownCap; ++cap) {
    if (EqualsIgnoreCase(bare, kCapNames[cap])) return cap;
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown capability " + Quote(name));
}

CapabilitySet DockerDefaultCapabilities() {
  CapabilitySet caps;
  for (int cap : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
                  CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
                  CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE}) {
    caps.Add(cap);
  }
  return caps;
}

Result<CapabilitySet> ResolveCapabilities(const std::vector<std::string>& add,
                                          const std::vector<std::string>& drop, bool privileged,
                                          int last_cap) {
  if (privileged) return CapabilitySet::All(last_cap);
  bool add_all = false, drop_all = false;
  BERTH_ASSIGN_OR_RETURN(CapabilitySet added, ParseList(add, "--cap-add", last_cap, &add_all));
  BERTH_ASSIGN_OR_RETURN(CapabilitySet dropped, ParseList(drop, "--cap-drop", last_cap, &drop_all));
  // Docker (moby oci/caps TweakCapabilities): "add ALL" wins over "drop ALL".
  if (add_all)
    return CapabilitySet::FromMask(CapabilitySet::All(last_cap).mask() & ~dropped.mask());
  if (drop_all) return added;
  return CapabilitySet::FromMask((DockerDefaultCapabilities().mask() & ~dropped.mask()) |
                                 added.mask());
}

Result<int> LastCap(const fs::path& proc) {
  fs::path path = proc / "sys/kernel/cap_last_cap";
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 64));
  std::string_view digits = Trim(text);
  int value = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value < 0 || value > kMaxCap) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "read " + Quote(path.string()) + ": not a capability number: " + Quote(text));
  }
  return value;
}

int DropBoundingSet(const CapabilitySet& caps, int last_cap) noexcept {
  for (int cap = 0; cap <= last_cap && cap <= kMaxCap; ++cap) {
    if (caps.Has(cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return errno;
  }
  return 0;
}

int SetProcessCapabilities(const CapabilitySet& caps, bool target_is_root,
                           const char** failed_step) noexcept {
  // EINVAL: a kernel before 4.3 has no ambient set, so there is nothing to clear.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    if (failed_step) *failed_step = "clear ambient capabilities";
    return errno;
  }
  const uint64_t held = target_is_root ? caps.mask() : 0;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  data[0].effective = data[0].permitted = static_cast<uint32_t>(held);
  data[1].effective = data[1].permitted = static_cast<uint32_t>(held >> 32);
  // inheritable stays 0 in both words (CVE-2022-27649).
  if (::syscall(SYS_capset, &header, data) != 0) {
    if (failed_step) *failed_step = "set capabilities";
    return errno;
  }
  return 0;
}

int ApplyCapabilities(const CapabilitySet& caps, int last_cap, bool target_is_root,
                      const char** failed_step) noexcept {
  if (int err = DropBoundingSet(caps, last_cap); err != 0) {
    if (failed_step) *failed_step = "drop bounding capabilities";
    return err;
  }
  return SetProcessCapabilities(caps, target_is_root, failed_step);
}

}  // namespace berth::runner
