// A classic-BPF interpreter for seccomp programs, so tests can ask what a compiled filter
// decides for a syscall without installing it (no root, no risk to the test process).
//
// It runs the program over a `seccomp_data` (linux/seccomp.h) the way the kernel does and
// returns the 32-bit verdict (SECCOMP_RET_* action | data). It implements the instructions
// the kernel's seccomp checker accepts; anything else is reported as an error. Stateless;
// thread-safe.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace berth::testing {

struct SeccompVerdict {
  uint32_t value = 0;  // SECCOMP_RET_* | data
  std::string error;   // non-empty: the program is malformed (bad opcode, jump, load)
  uint32_t action() const { return value & SECCOMP_RET_ACTION_FULL; }
  uint32_t data() const { return value & SECCOMP_RET_DATA; }
};

SeccompVerdict EvaluateSeccomp(const std::vector<sock_filter>& program, const seccomp_data& data);

// Convenience: the verdict for syscall `nr` on audit architecture `arch` with `args`.
SeccompVerdict EvaluateSeccomp(const std::vector<sock_filter>& program, uint32_t arch, int nr,
                               std::initializer_list<uint64_t> args = {});

}  // namespace berth::testing
