// Running code as on a kernel without openat2(2) (before Linux 5.6), for the fallback paths.
#pragma once

#include <functional>

namespace berth::testing {

// Runs `fn` in a forked child in which openat2 fails with ENOSYS (a seccomp filter); returns
// the child's exit status: fn's return value, or 90-92 when the filter could not be set.
int RunWithoutOpenat2(const std::function<int()>& fn);

}  // namespace berth::testing
