// Reading small files out of an untrusted root (a container's rootfs) by path.
//
// The path is resolved relative to the root fd as if that fd were `/`: openat2 with
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, so an absolute or `..` symlink planted by the image
// (`etc/passwd -> /../../etc/shadow`) lands inside the root, never on the host. Where openat2
// is missing (ENOSYS before Linux 5.6, EPERM from an old seccomp profile) every component is
// opened with O_NOFOLLOW instead, so a symlink anywhere on the path is refused (ELOOP) rather
// than followed. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "berth/base/result.hpp"

namespace berth::runner {

// Reads the regular file `rel` (relative to the root, no leading slash needed) inside
// `root_fd`. Returns nullopt when it does not exist (ENOENT, or ENOTDIR on the way);
// kInvalidArgument when it is not a regular file (a FIFO would block, a device never ends)
// or is larger than `max_bytes`; other open and read failures with their errno. The root fd
// is borrowed.
Result<std::optional<std::string>> ReadFileInRoot(int root_fd, std::string_view rel,
                                                  uint64_t max_bytes);

}  // namespace berth::runner
