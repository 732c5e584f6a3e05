// Helpers for the layer adoption tests (unit and integration): TreeMaker builds an upper-dir
// like tree with explicit modes, owners, xattrs and nanosecond mtimes; CompareLayerTrees says
// how a layer directory differs from the unpacked form of its blob.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace berth::testing {

class TreeMaker {
 public:
  // mtime given to every entry made without an explicit one (with a nanosecond part, which a
  // layer cannot keep).
  static constexpr struct timespec kDefaultTime = {1700000000, 123456789};

  explicit TreeMaker(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path P(const std::string& rel) const {
    return rel.empty() ? root_ : root_ / rel;
  }

  // Each fails the current test (ADD_FAILURE) when the syscall fails.
  TreeMaker& Dir(const std::string& rel, mode_t mode = 0755, struct timespec t = kDefaultTime);
  TreeMaker& File(const std::string& rel, const std::string& data, mode_t mode = 0644,
                  struct timespec t = kDefaultTime);
  TreeMaker& Symlink(const std::string& rel, const std::string& target,
                     struct timespec t = kDefaultTime);
  TreeMaker& Hardlink(const std::string& rel, const std::string& existing);
  TreeMaker& Fifo(const std::string& rel, mode_t mode = 0644);
  TreeMaker& Socket(const std::string& rel);
  // A 0/0 character device (needs CAP_MKNOD).
  TreeMaker& Whiteout(const std::string& rel, mode_t mode = 0);
  TreeMaker& Chown(const std::string& rel, uid_t uid, gid_t gid);
  TreeMaker& Chmod(const std::string& rel, mode_t mode);
  // Returns false (without failing) when the filesystem or privileges refuse.
  bool Xattr(const std::string& rel, const std::string& name, const std::string& value);
  // Sets the recorded times, children first (so nothing moves a directory's time later).
  void Finish();

 private:
  void Track(const std::string& rel, struct timespec t) { made_.emplace_back(rel, t); }
  std::filesystem::path root_;
  std::vector<std::pair<std::string, struct timespec>> made_;
};

// Differences between a layer directory and a directory its blob was unpacked into: names,
// types, modes, owners, sizes and contents, link targets, devices, xattrs, mtimes (seconds)
// and hardlink groups. The root's mtime and whiteout devices' mtimes and inode sharing are
// not compared (the unpack gives them the time of the unpack and separate inodes). Empty
// when equivalent.
std::vector<std::string> CompareLayerTrees(const std::filesystem::path& layer,
                                           const std::filesystem::path& unpacked);

// Entries under `root` whose mtime has a nanosecond part (whiteout devices aside).
std::vector<std::string> EntriesWithNanoseconds(const std::filesystem::path& root);

}  // namespace berth::testing
