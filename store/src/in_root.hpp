// In-root path resolution for untrusted trees (layers being unpacked).
//
// A tar entry's name is first cleaned lexically (CleanComponents: empty, "." and ".."
// components removed, ".." clamped at the root) so that the final component is always a real
// name that the caller creates with *at calls and O_NOFOLLOW. Parent directories are then
// opened relative to the root fd with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): a
// symlink planted by an earlier entry (`l -> /`, `l -> ../../..`) is followed as if the root
// were `/`, so it can never lead outside. Where openat2 is unavailable (ENOSYS before Linux
// 5.6; EPERM from old container seccomp profiles) the same semantics come from a userspace
// walk with O_PATH | O_NOFOLLOW, one component at a time, as crun's chroot_realpath does.
//
// RootResolver borrows the root fd. Single-threaded; one per unpack.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::store::unpack {

// "a/./b//../c/" -> {"a", "c"}; "../x" and "/x" -> {"x"}; ".", "/", "" -> {} (the root).
std::vector<std::string> CleanComponents(std::string_view path);

// The first `n` components joined with '/' ("" for n == 0).
std::string JoinComponents(const std::vector<std::string>& components, size_t n);

class RootResolver {
 public:
  explicit RootResolver(int root_fd) : root_fd_(root_fd) {}

  int root_fd() const { return root_fd_; }

  // Opens the directory `rel` (a relative, cleaned path; "" is the root) with in-root
  // semantics. The fd is O_PATH unless `readable`, then O_RDONLY. Errors carry the errno:
  // ENOENT for a missing component, ENOTDIR when one is not a directory, ELOOP for too many
  // symlinks.
  Result<UniqueFd> OpenDir(const std::string& rel, bool readable = false);

 private:
  Result<UniqueFd> Walk(const std::string& rel, bool readable);

  int root_fd_;
  bool use_openat2_ = true;
};

}  // namespace berth::store::unpack
