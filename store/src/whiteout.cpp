#include "whiteout.hpp"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "berth/base/strings.hpp"

namespace berth::store::unpack {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueName = ".wh..wh..opq";

}  // namespace

WhiteoutName ClassifyWhiteout(std::string_view base) {
  if (!base.starts_with(kWhiteoutPrefix)) return {};
  if (base == kOpaqueName) return {WhiteoutKind::kOpaque, {}};
  if (base.starts_with(kMetaPrefix)) return {WhiteoutKind::kMeta, {}};
  std::string_view target = base.substr(kWhiteoutPrefix.size());
  // The target is one path component (the caller split on '/'); "." and ".." would name the
  // directory itself or its parent: `etc/.wh..` must not delete etc, nor `.wh...` the parent
  // of the root (umoci 0.4.7 removed the bundle directory that way).
  if (target.empty() || target == "." || target == "..") return {WhiteoutKind::kInvalid, {}};
  return {WhiteoutKind::kDelete, target};
}

const char* OpaqueXattrName(bool user_xattr) {
  return user_xattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
}

bool IsOverlayXattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

bool IsWhiteoutDevice(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

Result<void> CreateWhiteoutDevice(int parent_fd, const std::string& name, uid_t uid, gid_t gid,
                                  uid_t created_uid, gid_t created_gid) {
  if (::mknodat(parent_fd, name.c_str(), S_IFCHR, makedev(0, 0)) < 0) {
    return SysError("create whiteout device " + Quote(name), errno);
  }
  if ((uid != created_uid || gid != created_gid) &&
      ::fchownat(parent_fd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
    return SysError("chown whiteout device " + Quote(name), errno);
  }
  return Ok();
}

Result<void> SetOpaque(int dir_fd, bool user_xattr) {
  const char* name = OpaqueXattrName(user_xattr);
  if (::fsetxattr(dir_fd, name, "y", 1, 0) == 0) return Ok();
  if (errno != EBADF) return SysError("set " + std::string(name), errno);
  // fsetxattr refuses O_PATH fds; the fd's /proc/self/fd link names exactly the directory it
  // was opened on, whatever happened to its path since.
  std::string proc = "/proc/self/fd/" + std::to_string(dir_fd);
  if (::setxattr(proc.c_str(), name, "y", 1, 0) < 0) {
    return SysError("set " + std::string(name), errno);
  }
  return Ok();
}

}  // namespace berth::store::unpack
