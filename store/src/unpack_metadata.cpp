#include "unpack_metadata.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "berth/base/strings.hpp"

namespace berth::store::unpack {

namespace {

mode_t ReadUmask() {
  // "Umask:" in /proc/self/status exists since Linux 4.7. umask(2) can only be read by
  // setting it, which would race with other threads creating files.
  if (FILE* f = std::fopen("/proc/self/status", "re")) {
    char line[256];
    unsigned value = 0;
    bool found = false;
    while (std::fgets(line, sizeof line, f)) {
      if (std::sscanf(line, "Umask: %o", &value) == 1) {
        found = true;
        break;
      }
    }
    std::fclose(f);
    if (found) return static_cast<mode_t>(value & 0777);
  }
  mode_t old = ::umask(022);
  ::umask(old);
  return old;
}

// Xattrs a filesystem cannot hold are skipped, as Docker and containers/storage do: tmpfs
// without security.* handlers, or user.* on a symlink or device (the kernel allows user.*
// only on regular files and directories).
bool IgnorableXattrError(int err, const std::string& name, bool special) {
  if (err == ENOTSUP) return true;
  return err == EPERM && special && name.starts_with("user.");
}

Error XattrError(const std::string& name, int err) {
  return SysError("set xattr " + Quote(name), err);
}

}  // namespace

mode_t ProcessUmask() {
  static std::once_flag once;
  static mode_t value = 0;
  std::call_once(once, [] { value = ReadUmask(); });
  return value;
}

Creator CurrentCreator() {
  Creator c;
  c.uid = ::geteuid();
  c.gid = ::getegid();
  c.umask = ProcessUmask();
  return c;
}

Initial InitialFor(const Creator& creator, const ParentFacts& parent, mode_t perm, bool is_dir) {
  Initial i;
  i.uid = creator.uid;
  i.gid = parent.setgid ? parent.gid : creator.gid;
  // An impossible mode forces the chmod when a default ACL makes the result unpredictable.
  if (creator.default_acl) {
    i.mode = ~mode_t{0};
    return i;
  }
  i.mode = perm & 0777 & ~creator.umask;
  if (is_dir && parent.setgid) i.mode |= S_ISGID;
  return i;
}

Result<void> FixAttrsFd(int fd, bool is_dir, const EntryAttrs& attrs, const Initial& initial) {
  mode_t mode = initial.mode;
  if (attrs.uid != initial.uid || attrs.gid != initial.gid) {
    if (::fchown(fd, attrs.uid, attrs.gid) < 0) return SysError("chown", errno);
    if (!is_dir) mode &= ~mode_t{S_ISUID | S_ISGID};
  }
  if (mode != attrs.mode && ::fchmod(fd, attrs.mode) < 0) return SysError("chmod", errno);
  for (const auto& [name, value] : attrs.xattrs) {
    if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) < 0 &&
        !IgnorableXattrError(errno, name, false)) {
      return XattrError(name, errno);
    }
  }
  return Ok();
}

Result<void> FixAttrsAt(int parent_fd, const std::string& name, bool is_symlink,
                        const EntryAttrs& attrs, const Initial& initial) {
  const char* n = name.c_str();
  mode_t mode = initial.mode;
  if (attrs.uid != initial.uid || attrs.gid != initial.gid) {
    if (::fchownat(parent_fd, n, attrs.uid, attrs.gid, AT_SYMLINK_NOFOLLOW) < 0) {
      return SysError("chown " + Quote(name), errno);
    }
    mode &= ~mode_t{S_ISUID | S_ISGID};
  }
  // The inode was just created by mknodat in a directory only this unpack writes to, so
  // fchmodat (which would follow a symlink) meets the device or fifo itself.
  if (!is_symlink && mode != attrs.mode && ::fchmodat(parent_fd, n, attrs.mode, 0) < 0) {
    return SysError("chmod " + Quote(name), errno);
  }
  if (!attrs.xattrs.empty()) {
    // There is no fd-based lsetxattr; the parent's /proc/self/fd link pins the directory and
    // lsetxattr does not follow the final component.
    std::string path = "/proc/self/fd/" + std::to_string(parent_fd) + "/" + name;
    for (const auto& [key, value] : attrs.xattrs) {
      if (::lsetxattr(path.c_str(), key.c_str(), value.data(), value.size(), 0) < 0 &&
          !IgnorableXattrError(errno, key, true)) {
        return XattrError(key, errno);
      }
    }
  }
  return SetTimesAt(parent_fd, name, attrs.atime, attrs.mtime);
}

Result<void> SetTimesFd(int fd, const EntryAttrs& attrs) {
  const struct timespec times[2] = {attrs.atime, attrs.mtime};
  if (::futimens(fd, times) < 0) return SysError("set times", errno);
  return Ok();
}

Result<void> SetTimesAt(int parent_fd, const std::string& name, const struct timespec& atime,
                        const struct timespec& mtime) {
  const struct timespec times[2] = {atime, mtime};
  if (::utimensat(parent_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) {
    return SysError("set times of " + Quote(name), errno);
  }
  return Ok();
}

}  // namespace berth::store::unpack
