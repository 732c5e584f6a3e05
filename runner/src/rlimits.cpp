#include "berth/runner/rlimits.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>

#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

struct ResourceName {
  std::string_view name;
  int resource;
};

// Docker's names (go-units ulimit.go).
constexpr std::array<ResourceName, 15> kResources = {{
    {"core", RLIMIT_CORE},
    {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},
    {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
}};

// Podman's defaults (containers/common define.RLimitDefaultValue, pkg/specgen oci_linux.go).
constexpr uint64_t kDefaultNofile = 1048576;
constexpr uint64_t kDefaultNproc = 4194304;

std::string FormatLimit(uint64_t value) {
  return value == kUnlimited ? "unlimited" : std::to_string(value);
}

// "-1" is unlimited; any other value must be a non-negative decimal number.
Result<uint64_t> ParseLimit(std::string_view text, std::string_view what) {
  if (text == "-1") return kUnlimited;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      value == kUnlimited) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(what) + " " + Quote(text) + " is not a number or -1");
  }
  return value;
}

bool HasEffectiveCap(int cap) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[cap / 32].effective >> (cap % 32)) & 1;
}

}  // namespace

std::string Ulimit::Name() const {
  for (const auto& r : kResources) {
    if (r.resource == resource) return std::string(r.name);
  }
  return "resource " + std::to_string(resource);
}

std::string Ulimit::ToString() const {
  auto num = [](uint64_t v) { return v == kUnlimited ? std::string("-1") : std::to_string(v); };
  return Name() + "=" + num(soft) + ":" + num(hard);
}

std::ostream& operator<<(std::ostream& out, const Ulimit& limit) { return out << limit.ToString(); }

Result<Ulimit> ParseUlimit(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, "ulimit " + Quote(text) + ": " + why,
                     "expected <name>=<soft>[:<hard>], for example nofile=1024:2048");
  };
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) return bad("missing '='");
  std::string_view name = text.substr(0, eq), values = text.substr(eq + 1);
  Ulimit limit;
  bool known = false;
  for (const auto& r : kResources) {
    if (r.name == name) {
      limit.resource = r.resource;
      known = true;
    }
  }
  if (!known) return bad("unknown resource " + Quote(name));
  size_t colon = values.find(':');
  auto soft = ParseLimit(values.substr(0, colon), "soft limit");
  if (!soft) return bad(soft.error().message);
  limit.soft = limit.hard = *soft;
  if (colon != std::string_view::npos) {
    auto hard = ParseLimit(values.substr(colon + 1), "hard limit");
    if (!hard) return bad(hard.error().message);
    limit.hard = *hard;
  }
  if (limit.soft > limit.hard) {
    return bad("soft limit " + FormatLimit(limit.soft) + " exceeds hard limit " +
               FormatLimit(limit.hard));
  }
  return limit;
}

Result<void> CheckUlimit(const Ulimit& limit, const rlimit& caller, bool has_sys_resource) {
  if (has_sys_resource || limit.hard <= caller.rlim_max) return Ok();
  return MakeError(ErrorCode::kPermissionDenied,
                   "ulimit " + limit.Name() + ": hard limit " + FormatLimit(limit.hard) +
                       " exceeds the caller's hard limit " + FormatLimit(caller.rlim_max) +
                       " (berth lacks CAP_SYS_RESOURCE)");
}

Result<void> CheckUlimits(const std::vector<Ulimit>& limits) {
  const bool has_sys_resource = HasEffectiveCap(CAP_SYS_RESOURCE);
  for (size_t i = 0; i < limits.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (limits[j].resource == limits[i].resource) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "ulimit " + limits[i].Name() + ": given more than once");
      }
    }
    rlimit caller{};
    if (::getrlimit(static_cast<__rlimit_resource_t>(limits[i].resource), &caller) != 0) {
      return SysError("getrlimit " + limits[i].Name(), errno);
    }
    BERTH_TRY(CheckUlimit(limits[i], caller, has_sys_resource));
  }
  return Ok();
}

std::vector<Ulimit> WithDefaultUlimits(std::vector<Ulimit> requested, const rlimit& caller_nofile,
                                       const rlimit& caller_nproc, bool has_sys_resource) {
  const struct {
    int resource;
    uint64_t value;
    const rlimit& caller;
  } defaults[] = {{RLIMIT_NOFILE, kDefaultNofile, caller_nofile},
                  {RLIMIT_NPROC, kDefaultNproc, caller_nproc}};
  std::vector<Ulimit> out = std::move(requested);
  const size_t given = out.size();
  for (const auto& d : defaults) {
    bool set = false;
    for (size_t i = 0; i < given; ++i) set |= out[i].resource == d.resource;
    if (set) continue;
    uint64_t value = d.value;
    if (!has_sys_resource) value = std::min<uint64_t>(value, d.caller.rlim_max);
    out.push_back(Ulimit{d.resource, value, value});
  }
  return out;
}

Result<std::vector<Ulimit>> WithDefaultUlimits(std::vector<Ulimit> requested) {
  rlimit nofile{}, nproc{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) != 0) return SysError("getrlimit nofile", errno);
  if (::getrlimit(RLIMIT_NPROC, &nproc) != 0) return SysError("getrlimit nproc", errno);
  return WithDefaultUlimits(std::move(requested), nofile, nproc, HasEffectiveCap(CAP_SYS_RESOURCE));
}

int ApplyUlimits(const Ulimit* limits, size_t count, size_t* failed_index) noexcept {
  for (size_t i = 0; i < count; ++i) {
    rlimit value{limits[i].soft, limits[i].hard};
    if (::setrlimit(static_cast<__rlimit_resource_t>(limits[i].resource), &value) != 0) {
      if (failed_index) *failed_index = i;
      return errno;
    }
  }
  return 0;
}

}  // namespace berth::runner
