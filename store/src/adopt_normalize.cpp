// NormalizeOverlayDir: one post-order walk over an upper dir; see the header for the rules.
// Every change is skipped when the entry already has the wanted value, so a tree in normal
// form costs one stat and one listxattr per entry and is never written to.
#include "adopt_normalize.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "berth/base/strings.hpp"
#include "berth/base/unique_fd.hpp"
#include "whiteout.hpp"
#include "xattr_read.hpp"

namespace berth::store::adopt {

namespace {

constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Where xattr calls go: an open directory fd, or the entry `name` of `dir_fd` through
// "/proc/self/fd/<dir_fd>/<name>" and the l* calls (symlinks, devices and fifos cannot be
// opened for it; see xattr_read.hpp).
struct XattrTarget {
  static XattrTarget Fd(int fd) { return XattrTarget{fd, -1, {}, {}}; }
  static XattrTarget At(int dir_fd, const std::string& name) {
    return XattrTarget{-1, dir_fd, name, "/proc/self/fd/" + std::to_string(dir_fd) + "/" + name};
  }

  Result<void> Read(XattrReader& reader, std::string_view what,
                    std::vector<XattrValue>& out) const {
    return fd >= 0 ? reader.ReadFd(fd, what, out) : reader.ReadAt(dir_fd, name, what, out);
  }
  int Remove(const std::string& xname) const {
    return fd >= 0 ? ::fremovexattr(fd, xname.c_str())
                   : ::lremovexattr(proc_path.c_str(), xname.c_str());
  }
  int Set(const char* xname, std::string_view value) const {
    return fd >= 0 ? ::fsetxattr(fd, xname, value.data(), value.size(), 0)
                   : ::lsetxattr(proc_path.c_str(), xname, value.data(), value.size(), 0);
  }

  int fd;
  int dir_fd;
  std::string name;
  std::string proc_path;
};

class Normalizer {
 public:
  explicit Normalizer(const NormalizeOptions& options)
      : options_(options), uid_(::geteuid()), gid_(::getegid()) {}

  Result<void> Run(int root_fd);

 private:
  Result<bool> WalkDir(int dir_fd);
  Result<bool> Child(int dir_fd, const std::string& name);
  Result<void> Dir(int dir_fd, const std::string& name, const struct stat& st);
  Result<void> FixXattrs(const XattrTarget& target, bool is_dir, bool is_root);
  bool WantTime(const struct stat& st, struct timespec* t) const;
  std::string What() const { return path_.empty() ? "." : path_; }

  const NormalizeOptions& options_;
  const uid_t uid_;
  const gid_t gid_;
  std::string path_;  // the entry being normalised, relative to the root
  XattrReader reader_;
  std::vector<XattrValue> xattrs_;
};

Result<void> Normalizer::Run(int root_fd) {
  UniqueFd root(::openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return SysError("open layer directory", errno);
  struct stat st;
  if (::fstat(root.get(), &st) < 0) return SysError("stat layer directory", errno);
  BERTH_ASSIGN_OR_RETURN(bool removed, WalkDir(root.get()));
  BERTH_TRY(FixXattrs(XattrTarget::Fd(root.get()), true, true));
  // The root is never in a layer tar: it gets what the unpack's mkdir gives the layer's
  // diff directory. chown first, since it clears setuid/setgid bits.
  if ((st.st_uid != uid_ || st.st_gid != gid_) && ::fchown(root.get(), uid_, gid_) < 0) {
    return SysError("chown layer directory", errno);
  }
  if ((st.st_mode & 07777) != 0755 && ::fchmod(root.get(), 0755) < 0) {
    return SysError("chmod layer directory", errno);
  }
  struct timespec t;
  if (WantTime(st, &t) || removed) {
    const struct timespec times[2] = {t, t};
    if (::futimens(root.get(), times) < 0) return SysError("set times of layer directory", errno);
  }
  return Ok();
}

// Returns whether an entry was removed (the directory's mtime then needs setting again).
Result<bool> Normalizer::WalkDir(int dir_fd) {
  std::vector<std::string> names;
  {
    UniqueFd list_fd(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!list_fd) return SysError("open " + Quote(What()), errno);
    std::unique_ptr<DIR, DirCloser> d(::fdopendir(list_fd.get()));
    if (!d) return SysError("read directory " + Quote(What()), errno);
    (void)list_fd.Release();  // the DIR owns it now
    errno = 0;
    while (struct dirent* e = ::readdir(d.get())) {
      std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
      errno = 0;
    }
    if (errno != 0) return SysError("read directory " + Quote(What()), errno);
  }
  const size_t parent_len = path_.size();
  bool removed = false;
  for (const std::string& name : names) {
    path_.resize(parent_len);
    if (parent_len) path_ += '/';
    path_ += name;
    BERTH_ASSIGN_OR_RETURN(bool gone, Child(dir_fd, name));
    removed |= gone;
  }
  path_.resize(parent_len);
  return removed;
}

Result<bool> Normalizer::Child(int dir_fd, const std::string& name) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return SysError("stat " + Quote(What()), errno);
  }
  if (S_ISSOCK(st.st_mode)) {
    if (::unlinkat(dir_fd, name.c_str(), 0) < 0)
      return SysError("remove socket " + Quote(What()), errno);
    return true;
  }
  if (S_ISDIR(st.st_mode)) {
    BERTH_TRY(Dir(dir_fd, name, st));
    return false;
  }
  BERTH_TRY(FixXattrs(XattrTarget::At(dir_fd, name), false, false));
  if (unpack::IsWhiteoutDevice(st)) {
    // fchmodat follows a final symlink, but this name is a device and nothing else changes
    // the tree during the walk.
    if ((st.st_mode & 07777) != 0 && ::fchmodat(dir_fd, name.c_str(), 0, 0) < 0) {
      return SysError("chmod whiteout " + Quote(What()), errno);
    }
    return false;
  }
  struct timespec t;
  if (WantTime(st, &t)) {
    const struct timespec times[2] = {t, t};
    if (::utimensat(dir_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) {
      return SysError("set times of " + Quote(What()), errno);
    }
  }
  return false;
}

Result<void> Normalizer::Dir(int dir_fd, const std::string& name, const struct stat& st) {
  UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return SysError("open " + Quote(What()), errno);
  BERTH_ASSIGN_OR_RETURN(bool removed, WalkDir(fd.get()));
  BERTH_TRY(FixXattrs(XattrTarget::Fd(fd.get()), true, false));
  // Times come from the stat taken before the walk: removing a socket moved the mtime.
  struct timespec t;
  if (WantTime(st, &t) || removed) {
    const struct timespec times[2] = {t, t};
    if (::futimens(fd.get(), times) < 0) return SysError("set times of " + Quote(What()), errno);
  }
  return Ok();
}

Result<void> Normalizer::FixXattrs(const XattrTarget& target, bool is_dir, bool is_root) {
  BERTH_TRY(target.Read(reader_, What(), xattrs_));
  bool opaque = false, has_opaque = false;
  for (const XattrValue& x : xattrs_) {
    std::string_view n = x.name;
    bool overlay = unpack::IsOverlayXattr(n);
    if (overlay) {
      std::string_view key = n.substr(n.find("overlay.") + 8);
      if (key == "metacopy" || key == "redirect") {
        return MakeError(ErrorCode::kUnsupported,
                         "normalize " + Quote(What()) + ": overlay " + std::string(key) +
                             " xattr: the upper dir is not self-contained",
                         "mount the overlay with metacopy=off,redirect_dir=off");
      }
      if (is_dir && key == "opaque" && x.value == "y") {
        opaque = true;
        if (n == kOpaqueXattr) {
          has_opaque = true;
          continue;
        }
      }
    } else if (n == "security.selinux" || (!is_root && !x.value.empty())) {
      continue;
    }
    if (target.Remove(x.name) < 0 && errno != ENODATA) {
      return SysError("remove xattr " + x.name + " of " + Quote(What()), errno);
    }
  }
  if (opaque && !has_opaque && target.Set(kOpaqueXattr, "y") < 0) {
    return SysError(std::string("set ") + kOpaqueXattr + " on " + Quote(What()), errno);
  }
  return Ok();
}

// The mtime the entry must have; false when it already has it.
bool Normalizer::WantTime(const struct stat& st, struct timespec* t) const {
  int64_t sec = st.st_mtim.tv_sec;
  if (options_.source_date_epoch) sec = std::min(sec, *options_.source_date_epoch);
  *t = {static_cast<time_t>(sec), 0};
  return sec != st.st_mtim.tv_sec || st.st_mtim.tv_nsec != 0;
}

}  // namespace

Result<void> NormalizeOverlayDir(int root_fd, const NormalizeOptions& options) {
  Normalizer n(options);
  return n.Run(root_fd);
}

}  // namespace berth::store::adopt
