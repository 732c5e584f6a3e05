// Writing what COPY and ADD bring into an image's root (a mounted overlay), without ever
// leaving it.
//
// The root belongs to an untrusted image: a component of a destination may be a symlink that
// points anywhere ("/app -> /etc" is fine, it is followed inside the root; "/app -> ../../..
// /host" stays inside too). Parent directories are opened with the runner's in-root resolution
// (openat2 RESOLVE_IN_ROOT, in_root.hpp) and the last component is created on the parent's fd
// without following it, so a write never lands outside the root. Not thread-safe.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::builder {

// Ownership and mode overrides of COPY --chown / --chmod; unset: root (0:0) and the source's
// mode.
struct CopyAttrs {
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<mode_t> mode;  // permission bits
  bool chown = false;          // --chown was given
  bool keep_owner = false;     // the source's owner instead (what ADD extracts from a tar)
};

class RootWriter {
 public:
  explicit RootWriter(int root_fd) : root_fd_(root_fd) {}

  // Makes directory `path` (absolute in the root) and its missing parents, 0755 and owned by
  // the attrs' owner (root unless --chown, as Docker creates them). An existing directory, or
  // a symlink to one inside the root, is left as it is.
  Result<void> MakeDirs(const std::string& path, const CopyAttrs& attrs = {});
  // Writes the regular file read from `src` (with `st` its stat) at `path`, replacing a file or
  // symlink there; mode from `st` unless attrs.mode, mtime from `st`.
  Result<void> WriteFile(int src, const struct stat& st, const std::string& path,
                         const CopyAttrs& attrs);
  // Writes `data` at `path` (a heredoc), mode 0644 unless attrs.mode.
  Result<void> WriteData(const std::string& data, const std::string& path, const CopyAttrs& attrs);
  // Makes the directory `path` with `st`'s mode (or attrs.mode) and the attrs' owner; an
  // existing directory gets them too.
  Result<void> Directory(const struct stat& st, const std::string& path, const CopyAttrs& attrs);
  // Makes the symlink `path` -> `target`, replacing a file or symlink there.
  Result<void> Symlink(const std::string& target, const std::string& path, const CopyAttrs& attrs);
  // Whether `path` is a directory (symlinks followed inside the root).
  bool IsDirectory(const std::string& path) const;

 private:
  // The parent of `path`, opened (created) inside the root, and the last component.
  Result<UniqueFd> Parent(const std::string& path, std::string* name);
  // A new, empty file at `path` (0600 until its mode is set), replacing a file or symlink.
  Result<UniqueFd> NewFile(const std::string& path);
  // Removes a non-directory at `name` in `dir` so it can be replaced; EISDIR for a directory.
  Result<void> Clear(int dir, const std::string& name, const std::string& path);

  int root_fd_;
};

}  // namespace berth::builder
