// Device cgroup rules: which device nodes a container may open (read, write) or create
// (mknod).
//
// A rule is what cgroup v1 writes to devices.allow / devices.deny and what
// `--device-cgroup-rule` takes: "<a|c|b> <major|*>:<minor|*> <r?w?m?>". A rule list is read
// in order, the last matching rule decides, and a request no rule matches is allowed (a new
// v1 cgroup under an unrestricted parent allows everything). An allow rule matches a request
// when the rule's access includes all of the requested access; a deny rule matches when it
// includes any of it. Lists therefore start with "deny a *:* rwm" and then allow what the
// container needs. On cgroup v1 the rules are written to the devices controller; on cgroup v2
// they become an eBPF program (device_bpf.hpp). Plain values; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::runner {

struct DeviceRule {
  bool allow = true;
  char type = 'a';             // 'a' (all), 'c' (char) or 'b' (block)
  int64_t major = -1;          // -1: any
  int64_t minor = -1;          // -1: any
  std::string access = "rwm";  // some of r, w, m in that order

  // "c 1:3 rwm", "a *:* rwm": what devices.allow / devices.deny take.
  std::string ToString() const;
  bool operator==(const DeviceRule&) const = default;
};

// Access bits of a request, as the kernel's BPF_DEVCG_ACC_* values.
inline constexpr uint32_t kDeviceAccessMknod = 1;
inline constexpr uint32_t kDeviceAccessRead = 2;
inline constexpr uint32_t kDeviceAccessWrite = 4;

// The default rules for a container, as runc and crun have them: deny everything; allow
// mknod of any character or block device; allow rwm on /dev/null (1:3), zero (1:5),
// full (1:7), random (1:8), urandom (1:9), tty (5:0), console (5:1), ptmx (5:2) and the
// pseudo-terminals (136:*). /dev/fuse (10:229) and /dev/net/tun (10:200) stay denied.
std::vector<DeviceRule> DefaultDeviceRules();

// Parses "c 1:3 rwm" (the access part may be omitted: rwm). `allow` sets the verdict.
// Errors: kInvalidArgument naming the text.
Result<DeviceRule> ParseDeviceRule(std::string_view text, bool allow = true);

// The verdict of `rules` for one request: `type` 'c' or 'b', the device numbers, and the
// requested access (kDeviceAccess* bits). The reference semantics the BPF program and the
// v1 writes implement.
bool DeviceRulesAllow(const std::vector<DeviceRule>& rules, char type, uint32_t major,
                      uint32_t minor, uint32_t access);

// The access bits of an access string ("rw" -> read | write).
uint32_t DeviceAccessBits(std::string_view access);

}  // namespace berth::runner
