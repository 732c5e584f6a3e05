#include "context_path.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <memory>
#include <vector>

#include "berth/base/strings.hpp"
#include "clean_path.hpp"

namespace berth::builder {

namespace {

// openat2 fails with EAGAIN when a concurrent rename could have let ".." escape.
constexpr int kEagainRetries = 8;

// Without openat2: each directory on the way with O_NOFOLLOW, so no symlink is followed.
int OpenNoFollow(int context_fd, std::string_view path, int flags, UniqueFd* out) {
  std::vector<std::string> parts = SplitPath(path);
  UniqueFd dir(::openat(context_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return errno;
  if (parts.empty() || (parts.size() == 1 && parts[0] == ".")) {
    UniqueFd fd(::openat(context_fd, ".", flags | O_CLOEXEC));
    if (!fd) return errno;
    *out = std::move(fd);
    return 0;
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == "..") return EXDEV;
    UniqueFd next(
        ::openat(dir.get(), parts[i].c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
    if (!next) {
      // O_DIRECTORY on a symlink answers ENOTDIR; report it as the refused symlink it is.
      struct stat st;
      if (errno == ENOTDIR &&
          ::fstatat(dir.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode)) {
        return ELOOP;
      }
      return errno;
    }
    dir = std::move(next);
  }
  if (parts.back() == "..") return EXDEV;
  UniqueFd fd(::openat(dir.get(), parts.back().c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return errno;
  *out = std::move(fd);
  return 0;
}

int ReadLink(int fd, std::string* target) {
  char buf[PATH_MAX];
  ssize_t n = ::readlinkat(fd, "", buf, sizeof buf);
  if (n < 0) return errno;
  if (static_cast<size_t>(n) >= sizeof buf) return ENAMETOOLONG;
  target->assign(buf, static_cast<size_t>(n));
  return 0;
}

}  // namespace

int OpenCanonical(int context_fd, std::string_view path, int flags, UniqueFd* out) {
  std::string rel(path.empty() ? "." : path);
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < kEagainRetries; ++attempt) {
    long fd = ::syscall(SYS_openat2, context_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) {
      out->Reset(static_cast<int>(fd));
      return 0;
    }
    if (errno == EAGAIN || errno == EINTR) continue;
    if (errno == ENOSYS || errno == EPERM) return OpenNoFollow(context_fd, rel, flags, out);
    return errno;
  }
  return EAGAIN;
}

int ResolveInContext(int context_fd, std::string_view rel, bool follow_final,
                     ContextLocation* out) {
  std::vector<std::string> parts = SplitPath(rel);
  std::deque<std::string> todo(parts.begin(), parts.end());
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    std::string name = std::move(todo.front());
    todo.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      if (done.empty()) return EXDEV;
      done.pop_back();
      continue;
    }
    done.push_back(std::move(name));
    UniqueFd fd;
    if (int err = OpenCanonical(context_fd, Join(done, "/"), O_PATH | O_NOFOLLOW, &fd)) {
      return err;
    }
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return errno;
    if (S_ISLNK(st.st_mode) && (follow_final || !todo.empty())) {
      if (++links > kMaxSymlinks) return ELOOP;
      std::string target;
      if (int err = ReadLink(fd.get(), &target)) return err;
      if (target.empty()) return ENOENT;
      if (target.front() == '/') return EXDEV;
      done.pop_back();
      std::vector<std::string> more = SplitPath(target);
      todo.insert(todo.begin(), more.begin(), more.end());
      continue;
    }
    if (!todo.empty() && !S_ISDIR(st.st_mode)) return ENOTDIR;
  }
  out->path = done.empty() ? "." : Join(done, "/");
  UniqueFd fd;
  if (int err = OpenCanonical(context_fd, out->path, O_PATH | O_NOFOLLOW, &fd)) return err;
  if (::fstat(fd.get(), &out->st) < 0) return errno;
  return 0;
}

int ListCanonicalDir(int context_fd, std::string_view dir, std::vector<DirChild>* out) {
  UniqueFd fd;
  if (int err = OpenCanonical(context_fd, dir, O_RDONLY | O_DIRECTORY, &fd)) return err;
  UniqueFd stat_fd(::dup(fd.get()));
  if (!stat_fd) return errno;
  DIR* d = ::fdopendir(fd.get());
  if (!d) return errno;
  fd.Release();  // now owned by `d`
  std::unique_ptr<DIR, int (*)(DIR*)> guard(d, ::closedir);
  out->clear();
  while (true) {
    errno = 0;
    struct dirent* ent = ::readdir(d);
    if (!ent) {
      if (errno != 0) return errno;
      break;
    }
    std::string_view name = ent->d_name;
    if (name == "." || name == "..") continue;
    DirChild child{std::string(name)};
    if (::fstatat(stat_fd.get(), ent->d_name, &child.st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) continue;  // removed since readdir
      return errno;
    }
    out->push_back(std::move(child));
  }
  std::sort(out->begin(), out->end(),
            [](const DirChild& a, const DirChild& b) { return a.name < b.name; });
  return 0;
}

Error ContextPathError(std::string_view what, int err) {
  Error e;
  if (err == EXDEV) {
    e = MakeError(ErrorCode::kInvalidArgument, std::string(what) + ": escapes the build context");
  } else if (err == ENOENT || err == ENOTDIR) {
    e = MakeError(ErrorCode::kNotFound,
                  std::string(what) + ": no such file or directory in the build context");
  } else {
    return SysError(what, err);
  }
  e.sys_errno = err;
  return e;
}

Result<std::optional<std::string>> ReadContextFile(int context_fd, std::string_view rel,
                                                   uint64_t max_bytes) {
  const std::string what = "read " + Quote(rel);
  ContextLocation loc;
  int err = ResolveInContext(context_fd, rel, /*follow_final=*/true, &loc);
  if (err == ENOENT || err == ENOTDIR) return std::optional<std::string>();
  if (err) return ContextPathError(what, err);
  UniqueFd fd;
  // O_NONBLOCK: a FIFO swapped in after the walk must not block the open.
  if (int e = OpenCanonical(context_fd, loc.path, O_RDONLY | O_NONBLOCK | O_NOCTTY, &fd)) {
    return ContextPathError(what, e);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(rel), errno);
  if (!S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, what + ": not a regular file");
  }
  std::string data;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError(what, errno);
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      return MakeError(ErrorCode::kInvalidArgument,
                       what + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  return std::optional<std::string>(std::move(data));
}

}  // namespace berth::builder
