// Restoring an unpacked entry's metadata: owner, mode, xattrs and times.
//
// The order is fixed by the kernel: chown clears setuid/setgid on non-directories and drops
// security.capability, and a write drops security.capability too, so it is always data, then
// owner, then mode, then xattrs, then times. Every call acts on an fd or uses *at with
// AT_SYMLINK_NOFOLLOW; nothing here follows a symlink (containerd CVE-2021-32760).
//
// To keep unpack fast, a fix-up syscall is made only when the inode differs from what the
// tar asks for. `Initial` says what the kernel gave a freshly created inode (creator's ids,
// requested mode minus umask, setgid inherited from the parent), so the common file owned by
// the unpacking user with an ordinary mode needs none. Stateless apart from the process
// umask, read once. Thread-safe.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <string>
#include <utility>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::store::unpack {

struct EntryAttrs {
  mode_t mode = 0;  // permission bits with setuid/setgid/sticky
  uid_t uid = 0;
  gid_t gid = 0;
  struct timespec atime {};
  struct timespec mtime {};
  std::vector<std::pair<std::string, std::string>> xattrs;  // overlay.* already dropped
};

// What a newly created inode looks like before any fix-up.
struct Initial {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0;  // permission bits
};

// The unpacking process as the kernel sees it when it creates an inode.
struct Creator {
  uid_t uid = 0;  // euid
  gid_t gid = 0;  // egid
  mode_t umask = 0;
  // A default ACL decides new modes instead of the umask; then every mode is set explicitly.
  bool default_acl = false;
};

// The directory a new inode is created in, as far as it affects the new inode.
struct ParentFacts {
  bool setgid = false;  // new inodes take the directory's group; new dirs inherit S_ISGID
  gid_t gid = 0;
};

// What the kernel gives an inode created by `creator` in `parent` with permission bits `perm`
// (mkdirat/openat/mknodat are passed perm & 0777).
Initial InitialFor(const Creator& creator, const ParentFacts& parent, mode_t perm, bool is_dir);

// The process umask, read once (from /proc/self/status, which does not change it).
mode_t ProcessUmask();

// The Creator for this process (euid, egid, umask); default_acl is left false.
Creator CurrentCreator();

// Metadata of a regular file or directory through its (non-O_PATH) fd: owner, mode, xattrs.
// Times are separate: directories get theirs at the end of the unpack.
Result<void> FixAttrsFd(int fd, bool is_dir, const EntryAttrs& attrs, const Initial& initial);

// Metadata of a symlink, device or fifo `name` in `parent_fd`: owner, mode (not for symlinks,
// whose mode Linux ignores), xattrs and times.
Result<void> FixAttrsAt(int parent_fd, const std::string& name, bool is_symlink,
                        const EntryAttrs& attrs, const Initial& initial);

// Times through an fd, or for `name` in `parent_fd` without following it.
Result<void> SetTimesFd(int fd, const EntryAttrs& attrs);
Result<void> SetTimesAt(int parent_fd, const std::string& name, const struct timespec& atime,
                        const struct timespec& mtime);

}  // namespace berth::store::unpack
