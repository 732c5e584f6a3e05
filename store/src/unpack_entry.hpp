// Writing tar entries into a layer directory in overlay form.
//
// EntryWriter knows nothing of libarchive: layer_unpack.cpp turns each archive header into an
// UnpackEntry and hands over the file data through EntryData. The writer applies OCI
// changeset rules (image-spec layer.md): a later entry for the same path wins (two
// directories merge attributes; anything else is unlinked and recreated, never opened for
// writing, since it may be a hardlink to another file), whiteouts become overlay inodes and
// only hide lower layers, and an entry that cleans to the root may only change the root's
// metadata (umoci CVE-2021-29136). See in_root.hpp for path resolution.
//
// Single-threaded; one per unpack. Different layers unpack in parallel with one writer each.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "in_root.hpp"
#include "unpack_dirs.hpp"
#include "unpack_metadata.hpp"

namespace berth::store::unpack {

struct UnpackEntry {
  std::string name;                     // as in the tar, for messages
  std::vector<std::string> components;  // CleanComponents(name); empty for the root
  mode_t type = 0;                      // S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO
  bool hardlink = false;                // then `link` is the target and `type` is unused
  std::string link;                     // symlink or hardlink target
  dev_t rdev = 0;
  int64_t size = 0;  // regular files: the logical size (sparse included)
  EntryAttrs attrs;
};

// File contents of the current entry, as blocks at offsets (sparse files skip holes).
class EntryData {
 public:
  virtual ~EntryData() = default;
  // false at the end of the entry's data.
  virtual Result<bool> Next(const void** data, size_t* size, int64_t* offset) = 0;
};

class EntryWriter {
 public:
  EntryWriter(int root_fd, bool user_xattr);
  EntryWriter(const EntryWriter&) = delete;
  EntryWriter& operator=(const EntryWriter&) = delete;

  // Checks the destination; call once before Apply.
  Result<void> Init();
  // Writes one entry. Errors name the entry: "unpack entry 'a/../../x': ...".
  Result<void> Apply(const UnpackEntry& e, EntryData& data);
  // Sets directory times; call once after the last entry.
  Result<void> Finish();

 private:
  Result<void> ApplyInner(const UnpackEntry& e, EntryData& data);
  Result<void> ApplyRoot(const UnpackEntry& e);
  Result<void> ApplyOpaque(const UnpackEntry& e);
  Result<void> ApplyWhiteout(const UnpackEntry& e, const std::string& target);
  Result<void> WriteDir(const UnpackEntry& e, const DirHandle& parent);
  Result<void> WriteFile(const UnpackEntry& e, const DirHandle& parent, EntryData& data);
  Result<void> WriteSymlink(const UnpackEntry& e, const DirHandle& parent);
  Result<void> WriteNode(const UnpackEntry& e, const DirHandle& parent);
  Result<void> WriteHardlink(const UnpackEntry& e, const DirHandle& parent);
  // Removes whatever is at the entry's name (a directory recursively) so it can be recreated.
  Result<void> RemoveExisting(const UnpackEntry& e, const DirHandle& parent);

  RootResolver resolver_;
  Creator creator_;
  bool user_xattr_;
  UnpackDirs dirs_;
};

}  // namespace berth::store::unpack
