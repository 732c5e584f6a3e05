// Directories during an unpack: finding (and creating) the parent of each entry, caching
// those parent fds, and applying directory times once everything is in place.
//
// Tar entries cluster by directory, so the parent fd of the last few entries is cached by
// its cleaned path: a hit costs no syscall. The cache is only valid while nothing is
// removed: whoever unlinks or replaces anything calls Invalidate(). Missing parents are
// created 0755 and owned by the unpacking user, as containers/storage and containerd do; a
// whiteout device met on the way (`.wh.foo` and then `foo/bar` in one layer) is replaced by
// an opaque directory, because the lower `foo` was deleted.
//
// Directory mtimes change whenever a child is created, so each directory entry's times are
// recorded and set at the end, deepest first. Single-threaded; one per unpack.
#pragma once

#include <sys/stat.h>

#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"
#include "in_root.hpp"
#include "unpack_metadata.hpp"

namespace berth::store::unpack {

// A directory fd (O_PATH or O_RDONLY) that stays open while the caller holds this, even if
// the cache drops it.
struct DirHandle {
  std::shared_ptr<const UniqueFd> holder;
  ParentFacts facts;
  int fd() const { return holder->get(); }
};

enum class Missing {
  kFail,             // ENOENT / ENOTDIR errors come back (hardlink targets, dir times)
  kCreate,           // create missing directories (whiteouts: a whited-out parent fails)
  kCreateReplacing,  // also replace whiteout devices on the way with opaque directories
};

class UnpackDirs {
 public:
  static constexpr size_t kMaxRecordedTimes = size_t{1} << 20;

  UnpackDirs(RootResolver& resolver, const Creator& creator, bool user_xattr)
      : resolver_(resolver), creator_(creator), user_xattr_(user_xattr) {}

  // The directory named by the first `n` of `components`.
  Result<DirHandle> Get(const std::vector<std::string>& components, size_t n, Missing missing);
  // Caches a directory the caller has just created and opened (its children usually follow).
  DirHandle Adopt(std::string path, UniqueFd fd, const ParentFacts& facts);
  // Drops every cached fd; handles already given out stay valid.
  void Invalidate();

  // Remembers a directory's times for ApplyTimes. Memory stays bounded: past
  // kMaxRecordedTimes directories, the recorded ones are applied early (a later child in one
  // of them would then leave it with the time of that child's creation).
  Result<void> RecordTimes(const std::string& path, const struct timespec& atime,
                           const struct timespec& mtime);
  void ForgetTimes(const std::string& path) { times_.erase(path); }
  // Sets every recorded directory's times, deepest first. Directories removed since are
  // skipped.
  Result<void> ApplyTimes();

 private:
  struct Slot {
    std::string path;
    DirHandle dir;
  };
  Result<DirHandle> Open(const std::string& path);
  Result<DirHandle> OpenChild(const DirHandle& parent, const std::string& name);
  Result<DirHandle> CreateParents(const std::vector<std::string>& components, size_t n,
                                  Missing missing);
  Result<void> MakeDir(const DirHandle& parent, const std::string& name, Missing missing);
  DirHandle Insert(std::string path, DirHandle dir);

  RootResolver& resolver_;
  const Creator& creator_;
  bool user_xattr_;
  std::array<Slot, 8> slots_;
  size_t next_slot_ = 0;
  struct Times {
    struct timespec atime, mtime;
  };
  std::unordered_map<std::string, Times> times_;
};

}  // namespace berth::store::unpack
