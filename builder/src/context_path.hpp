// Resolving and opening paths inside a build context without ever leaving it.
//
// A build context is untrusted: any component may be a symlink, and a symlink may point
// anywhere ("../../etc", "/etc/shadow"). ResolveInContext follows symlinks itself, one
// component at a time, with the context root as the limit: ".." above the root and any
// absolute symlink are refused (EXDEV) rather than clamped, because Docker refuses to copy
// from outside the context. It returns the canonical path, which holds no symlink.
// OpenCanonical then opens such a path with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS),
// so a symlink swapped in after the walk is refused (ELOOP) instead of followed. Without
// openat2 (ENOSYS before Linux 5.6, EPERM from an old seccomp profile) every component is
// opened with O_NOFOLLOW, with the same result.
//
// The context fd is borrowed. Stateless; thread-safe.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::builder {

// Symlinks followed at most in one resolution, as the kernel's MAXSYMLINKS.
inline constexpr int kMaxSymlinks = 40;

struct ContextLocation {
  std::string path;   // canonical, relative to the root, no symlink on the way; "." = root
  struct stat st {};  // of `path` itself (a symlink when the last one was not followed)
};

// Resolves `rel` (relative to the context root; "", "." and leading '/' are the root).
// `follow_final`: also follow a symlink in the last component. Returns 0, or an errno:
// ENOENT / ENOTDIR when a component is missing or not a directory, EXDEV when the path or a
// symlink on it leads out of the context, ELOOP after kMaxSymlinks symlinks.
int ResolveInContext(int context_fd, std::string_view rel, bool follow_final, ContextLocation* out);

// Opens the canonical path `path` ("." = root) with `flags` (O_CLOEXEC added). No symlink is
// followed: one on the way is ELOOP, a final one too unless flags has O_PATH | O_NOFOLLOW,
// which opens the link itself. Returns 0 or an errno.
int OpenCanonical(int context_fd, std::string_view path, int flags, UniqueFd* out);

struct DirChild {
  std::string name;
  struct stat st {};  // lstat: a symlink is reported as one
};

// The entries of the canonical directory `dir` ("." = root), without "." and "..", sorted
// by name (bytewise). Returns 0 or an errno.
int ListCanonicalDir(int context_fd, std::string_view dir, std::vector<DirChild>* out);

// The error for a failed resolution of what `what` names ("COPY ../x"): "<what>: escapes
// the build context" (kInvalidArgument) for EXDEV, "<what>: no such file or directory in
// the build context" (kNotFound) for ENOENT and ENOTDIR, else the errno's text.
Error ContextPathError(std::string_view what, int err);

// Reads the regular file `rel` in the context, following symlinks inside it. nullopt when it
// does not exist; kInvalidArgument when it escapes the context, is not a regular file or is
// larger than `max_bytes`; other errors with their errno. Errors name `rel`.
Result<std::optional<std::string>> ReadContextFile(int context_fd, std::string_view rel,
                                                   uint64_t max_bytes);

}  // namespace berth::builder
