// Small filesystem helpers shared by every library: fd-relative open, whole-file reads,
// atomic replace, recursive create and remove.
//
// All functions take plain paths that the caller trusts (the store root, a temp dir).
// Untrusted trees (layers, rootfs, build contexts) are walked with the fd-relative helpers
// in store/ and runner/, never with these. Stateless and thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth {

namespace fs = std::filesystem;

// open(2)/openat(2) with O_CLOEXEC added. Errors name the path.
Result<UniqueFd> Open(const fs::path& path, int flags, mode_t mode = 0);
Result<UniqueFd> OpenAt(int dirfd, const fs::path& path, int flags, mode_t mode = 0);

// Reads a whole file; kInvalidArgument when it is larger than max_bytes.
Result<std::string> ReadFile(const fs::path& path, uint64_t max_bytes = 64 << 20);

// Replaces `path` with `data` so that a reader sees the old or the new content, never a mix,
// even after a crash: writes a sibling temp file, fsyncs it, renames it over `path` and
// fsyncs the directory.
Result<void> WriteFileAtomic(const fs::path& path, std::string_view data, mode_t mode = 0644);
// The same rename, without the two fsyncs: readers never see a mix, but after a power loss
// the file may hold the old content (or, on some filesystems, be empty). For state that is
// rebuilt or re-checked anyway (a container's state, its generated /etc files), where an
// fsync would cost more than the operation (about 5-10 ms each on a journaled disk).
Result<void> WriteFileReplace(const fs::path& path, std::string_view data, mode_t mode = 0644);

// mkdir -p. Existing directories are fine.
Result<void> MakeDirs(const fs::path& path);

// rm -rf that never follows symlinks and never crosses into another mount. A missing path
// is success.
Result<void> RemoveTree(const fs::path& path);
// The same for `name` inside the directory `dirfd`.
Result<void> RemoveTreeAt(int dirfd, const std::string& name);

Result<void> FsyncPath(const fs::path& path);

// Lists the names in a directory (no "." or ".."), unsorted.
Result<std::vector<std::string>> ListDir(const fs::path& path);

}  // namespace berth
