#include "root_writer.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/strings.hpp"
#include "berth/runner/in_root.hpp"

namespace berth::builder {

namespace {

Error PathError(const std::string& verb, const std::string& path, int err) {
  return SysError(verb + " " + Quote(path), err);
}

Result<void> CopyBytes(int src, int dst, const std::string& path) {
  for (;;) {
    ssize_t n = ::sendfile(dst, src, nullptr, 1 << 20);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return PathError("write", path, errno);
    if (n == 0) return Ok();
  }
}

// Owner first: chown clears set-id bits, the mode then sets them.
Result<void> SetOwnerAndMode(int fd, const CopyAttrs& attrs, mode_t mode, const std::string& path) {
  if (::fchown(fd, attrs.uid, attrs.gid) < 0) return PathError("chown", path, errno);
  if (::fchmod(fd, attrs.mode.value_or(mode & 07777)) < 0) return PathError("chmod", path, errno);
  return Ok();
}

}  // namespace

Result<UniqueFd> RootWriter::Parent(const std::string& path, std::string* name) {
  size_t slash = path.find_last_of('/');
  std::string parent = slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
  *name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name->empty() || *name == "." || *name == "..") {
    return MakeError(ErrorCode::kInvalidArgument, "bad destination " + Quote(path));
  }
  int fd = -1;
  if (int err = runner::MakeDirsInRoot(root_fd_, parent.c_str(), false, &fd)) {
    return PathError("create directory", parent, err);
  }
  // MakeDirsInRoot gives an O_PATH fd; creating entries needs a real directory fd.
  UniqueFd path_fd(fd);
  UniqueFd dir(::openat(path_fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return PathError("open directory", parent, errno);
  return dir;
}

Result<void> RootWriter::Clear(int dir, const std::string& name, const std::string& path) {
  struct stat st;
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return Ok();
    return PathError("stat", path, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot replace directory " + Quote(path) + " with a non-directory");
  }
  if (::unlinkat(dir, name.c_str(), 0) < 0) return PathError("replace", path, errno);
  return Ok();
}

Result<UniqueFd> RootWriter::NewFile(const std::string& path) {
  std::string name;
  BERTH_ASSIGN_OR_RETURN(UniqueFd dir, Parent(path, &name));
  BERTH_TRY(Clear(dir.get(), name, path));
  UniqueFd out(::openat(dir.get(), name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) return PathError("create", path, errno);
  return out;
}

Result<void> RootWriter::MakeDirs(const std::string& path, const CopyAttrs& attrs) {
  if (IsDirectory(path)) return Ok();
  // One component at a time, so each directory made here gets the owner (and 0755, whatever
  // --chmod says: that is for what is copied).
  CopyAttrs made = attrs;
  made.mode = 0755;
  std::string prefix;
  for (const std::string& component : Split(path, '/')) {
    if (component.empty() || component == ".") continue;
    prefix += "/" + component;
    if (!IsDirectory(prefix)) BERTH_TRY(Directory({}, prefix, made));
  }
  return Ok();
}

bool RootWriter::IsDirectory(const std::string& path) const {
  int fd = -1;
  if (runner::OpenInRoot(root_fd_, path.c_str(), true, false, &fd) != 0) return false;
  ::close(fd);
  return true;
}

Result<void> RootWriter::WriteFile(int src, const struct stat& st, const std::string& path,
                                   const CopyAttrs& attrs) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd out, NewFile(path));
  BERTH_TRY(CopyBytes(src, out.get(), path));
  BERTH_TRY(SetOwnerAndMode(out.get(), attrs, st.st_mode, path));
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(out.get(), times) < 0) return PathError("set times of", path, errno);
  return Ok();
}

Result<void> RootWriter::WriteData(const std::string& data, const std::string& path,
                                   const CopyAttrs& attrs) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd out, NewFile(path));
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(out.get(), p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return PathError("write", path, errno);
    p += n;
    left -= static_cast<size_t>(n);
  }
  return SetOwnerAndMode(out.get(), attrs, 0644, path);
}

Result<void> RootWriter::Directory(const struct stat& st, const std::string& path,
                                   const CopyAttrs& attrs) {
  std::string name;
  BERTH_ASSIGN_OR_RETURN(UniqueFd dir, Parent(path, &name));
  if (::mkdirat(dir.get(), name.c_str(), 0700) < 0 && errno != EEXIST) {
    return PathError("create directory", path, errno);
  }
  UniqueFd d(::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d) {
    if (errno == ENOTDIR || errno == ELOOP) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "cannot copy a directory to " + Quote(path) + ": not a directory");
    }
    return PathError("open directory", path, errno);
  }
  return SetOwnerAndMode(d.get(), attrs, st.st_mode, path);
}

Result<void> RootWriter::Symlink(const std::string& target, const std::string& path,
                                 const CopyAttrs& attrs) {
  std::string name;
  BERTH_ASSIGN_OR_RETURN(UniqueFd dir, Parent(path, &name));
  BERTH_TRY(Clear(dir.get(), name, path));
  if (::symlinkat(target.c_str(), dir.get(), name.c_str()) < 0) {
    return PathError("create symlink", path, errno);
  }
  if (::fchownat(dir.get(), name.c_str(), attrs.uid, attrs.gid, AT_SYMLINK_NOFOLLOW) < 0) {
    return PathError("chown", path, errno);
  }
  return Ok();
}

}  // namespace berth::builder
