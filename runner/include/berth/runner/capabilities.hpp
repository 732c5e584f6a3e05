// Linux capabilities of a container process: the set, its parsing from --cap-add/--cap-drop,
// and the child-side calls that give the process exactly that set.
//
// Terms (capabilities(7)): the *bounding* set limits what any later execve can grant; the
// *permitted* and *effective* sets are what the process holds; the *inheritable* and
// *ambient* sets carry capabilities across execve. A container gets one `CapabilitySet`
// (Docker's 14 by default, adjusted by --cap-add/--cap-drop, every capability with
// --privileged) as its bounding set, and as permitted and effective set when it runs as
// uid 0. Inheritable and ambient stay empty (CVE-2022-27649, CVE-2022-24769: a non-empty
// inheritable set let programs with inheritable file capabilities gain them on execve).
//
// Parent side (allocates, may fail with an Error): ParseCapability, ResolveCapabilities,
// LastCap. Child side (between clone and execve; no allocation, no exceptions, returns an
// errno): DropBoundingSet, SetProcessCapabilities, ApplyCapabilities. The order in the child:
//
//   DropBoundingSet(caps, last_cap)     needs CAP_SETPCAP, so before the ids change
//   setgroups, setresgid, setresuid     (the caller's; a uid change from 0 to non-0 clears
//                                        the permitted and effective sets by itself)
//   SetProcessCapabilities(caps, uid == 0)
//
// When the target uid is 0 (ids unchanged or set to 0), ApplyCapabilities does both steps
// at once. Dropping the bounding set does not touch the effective set, so the id changes
// still work after it. CapabilitySet is a value type; everything here is thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

// The highest capability number berth knows by name (CAP_CHECKPOINT_RESTORE, Linux 5.9). A
// kernel may know more (/proc/sys/kernel/cap_last_cap); those print as "CAP_<n>".
inline constexpr int kLastKnownCap = 40;
// Capability numbers fit in a 64-bit mask.
inline constexpr int kMaxCap = 63;

// A set of capability numbers 0..kMaxCap.
class CapabilitySet {
 public:
  CapabilitySet() = default;
  static CapabilitySet FromMask(uint64_t mask) { return CapabilitySet(mask); }
  // Capabilities 0..last_cap.
  static CapabilitySet All(int last_cap);

  // Out-of-range numbers are never members; Add/Remove ignore them.
  bool Has(int cap) const { return cap >= 0 && cap <= kMaxCap && (mask_ >> cap) & 1; }
  void Add(int cap);
  void Remove(int cap);
  bool empty() const { return mask_ == 0; }
  int size() const;
  uint64_t mask() const { return mask_; }

  // "CAP_CHOWN", ... in capability-number order.
  std::vector<std::string> Names() const;
  // The names joined with ",", or "none".
  std::string ToString() const;

  friend bool operator==(const CapabilitySet&, const CapabilitySet&) = default;

 private:
  explicit CapabilitySet(uint64_t mask) : mask_(mask) {}
  uint64_t mask_ = 0;
};

std::ostream& operator<<(std::ostream& out, const CapabilitySet& caps);

// "CAP_CHOWN" for 0, ...; "CAP_<n>" for numbers berth has no name for.
std::string CapabilityName(int cap);

// Parses one capability name: "CAP_NET_ADMIN", "NET_ADMIN", "net_admin", "cap_net_admin".
// Returns its number, or kInvalidArgument naming the value ("ALL" is not a capability here;
// ResolveCapabilities handles it).
Result<int> ParseCapability(std::string_view name);

// Docker's default set (moby daemon/pkg/oci/caps/defaults.go), 14 capabilities: CHOWN,
// DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP,
// NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE.
CapabilitySet DockerDefaultCapabilities();

// The container's set from --cap-add/--cap-drop/--privileged, with Docker's semantics:
//   privileged                  every capability 0..last_cap (add and drop are ignored)
//   --cap-add ALL               every capability except those in `drop`
//   --cap-drop ALL              exactly the capabilities in `add`
//   otherwise                   the default set minus `drop`, plus `add`
// Names are parsed with ParseCapability. kInvalidArgument names the flag and the bad value,
// or a capability above `last_cap` that this kernel does not have.
Result<CapabilitySet> ResolveCapabilities(const std::vector<std::string>& add,
                                          const std::vector<std::string>& drop, bool privileged,
                                          int last_cap);

// The kernel's highest capability number, read from <proc>/sys/kernel/cap_last_cap.
Result<int> LastCap(const fs::path& proc = "/proc");

// Child side. Drops every capability 0..last_cap that is not in `caps` from the bounding set
// (PR_CAPBSET_DROP). Needs CAP_SETPCAP in the effective set. Returns 0 or the errno.
int DropBoundingSet(const CapabilitySet& caps, int last_cap) noexcept;

// Child side, after the id changes. Clears the ambient set, empties the inheritable set, and
// sets permitted and effective to `caps` if `target_is_root`, else to nothing (for a non-root
// uid execve would leave them empty anyway, as Docker shows CapEff 0 for -u 1000). Returns 0
// or the errno; `*failed_step` (if not null) names the step that failed.
int SetProcessCapabilities(const CapabilitySet& caps, bool target_is_root,
                           const char** failed_step) noexcept;

// Child side: DropBoundingSet then SetProcessCapabilities, for a process whose uid is and
// stays 0 (see the order above for other uids). Returns 0 or the errno; `*failed_step`
// (if not null) names the step that failed: "drop bounding capabilities", "clear ambient
// capabilities" or "set capabilities".
int ApplyCapabilities(const CapabilitySet& caps, int last_cap, bool target_is_root,
                      const char** failed_step) noexcept;

}  // namespace berth::runner
