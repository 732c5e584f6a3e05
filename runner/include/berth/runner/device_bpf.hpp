// Device rules on cgroup v2: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE.
//
// cgroup v2 has no devices controller; the kernel instead runs the programs attached to a
// cgroup (BPF_CGROUP_DEVICE) for every open and mknod of a device node by its processes,
// and a program that returns 0 makes the call fail with EPERM. CompileDeviceProgram turns a
// rule list (device_rules.hpp) into such a program, as data, so tests can run it;
// AttachDeviceProgram loads and attaches it. The attachment lives as long as the cgroup
// does, so nothing needs to be detached. Stateless; thread-safe.
#pragma once

#include <linux/bpf.h>

#include <filesystem>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/device_rules.hpp"

namespace berth::runner {

// The program for `rules`, with DeviceRulesAllow's semantics: it reads the request from its
// context (struct bpf_cgroup_dev_ctx), tries the rules from the last to the first and returns
// the first matching rule's verdict (1 allow, 0 deny), or 1 when none matches. The program
// uses only 64-bit ALU, 32-bit context loads, conditional jumps and exit (any kernel with
// cgroup BPF, 4.15+).
std::vector<bpf_insn> CompileDeviceProgram(const std::vector<DeviceRule>& rules);

// Loads the program for `rules` and attaches it to the cgroup v2 directory `cgroup_dir` with
// BPF_F_ALLOW_MULTI (programs attached to ancestors still run; all must allow). Needs
// CAP_SYS_ADMIN (or CAP_BPF and CAP_NET_ADMIN). Errors: the open of the directory; the
// bpf(2) failure, with the verifier's log in the hint when loading fails; kUnsupported when
// the kernel lacks cgroup BPF.
Result<void> AttachDeviceProgram(const std::filesystem::path& cgroup_dir,
                                 const std::vector<DeviceRule>& rules);

}  // namespace berth::runner
