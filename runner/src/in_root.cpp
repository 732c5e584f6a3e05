#include "berth/runner/in_root.hpp"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace berth::runner {

namespace {

int Openat2(int dirfd, const char* path, int flags, bool no_symlink) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlink ? RESOLVE_NO_SYMLINKS : 0);
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

// Copies `path` without leading slashes; "" stands for the root itself.
int Relative(const char* path, char* out, size_t out_len) {
  while (*path == '/') ++path;
  size_t n = std::strlen(path);
  if (n + 1 > out_len) return ENAMETOOLONG;
  std::memcpy(out, path, n + 1);
  while (n > 0 && out[n - 1] == '/') out[--n] = '\0';
  return 0;
}

}  // namespace

int OpenInRoot(int root_fd, const char* path, bool directory, bool no_symlink,
               int* out_fd) noexcept {
  char rel[PATH_MAX];
  if (int err = Relative(path, rel, sizeof rel)) return err;
  int fd = Openat2(root_fd, rel[0] ? rel : ".", O_PATH | (directory ? O_DIRECTORY : 0), no_symlink);
  if (fd < 0) return errno;
  *out_fd = fd;
  return 0;
}

int MakeDirsInRoot(int root_fd, const char* path, bool no_symlink, int* out_fd) noexcept {
  char rel[PATH_MAX];
  if (int err = Relative(path, rel, sizeof rel)) return err;
  int dir = Openat2(root_fd, ".", O_PATH | O_DIRECTORY, false);
  if (dir < 0) return errno;
  size_t start = 0;
  size_t len = std::strlen(rel);
  while (start < len) {
    size_t end = start;
    while (end < len && rel[end] != '/') ++end;
    char saved = rel[end];
    rel[end] = '\0';
    // Resolve the whole prefix from the root each time: a component that is a symlink is
    // then followed with the container root as "/".
    int next = Openat2(root_fd, rel, O_PATH | O_DIRECTORY, no_symlink);
    if (next < 0 && errno == ENOENT) {
      if (::mkdirat(dir, rel + start, 0755) < 0 && errno != EEXIST) {
        int err = errno;
        ::close(dir);
        return err;
      }
      next = Openat2(root_fd, rel, O_PATH | O_DIRECTORY, no_symlink);
    }
    int err = next < 0 ? errno : 0;
    ::close(dir);
    if (err) return err;
    dir = next;
    rel[end] = saved;
    start = end;
    while (start < len && rel[start] == '/') ++start;
  }
  *out_fd = dir;
  return 0;
}

int ParentInRoot(int root_fd, const char* path, bool no_symlink, int* parent_fd, char* name,
                 unsigned name_len) noexcept {
  char rel[PATH_MAX];
  if (int err = Relative(path, rel, sizeof rel)) return err;
  char* slash = std::strrchr(rel, '/');
  const char* leaf = slash ? slash + 1 : rel;
  if (*leaf == '\0' || std::strcmp(leaf, ".") == 0 || std::strcmp(leaf, "..") == 0) {
    return EINVAL;
  }
  if (std::strlen(leaf) + 1 > name_len) return ENAMETOOLONG;
  std::strcpy(name, leaf);
  if (slash) {
    *slash = '\0';
  } else {
    rel[0] = '\0';
  }
  return MakeDirsInRoot(root_fd, rel, no_symlink, parent_fd);
}

int MountpointInRoot(int root_fd, const char* path, bool file, bool no_symlink,
                     int* out_fd) noexcept {
  if (!file) return MakeDirsInRoot(root_fd, path, no_symlink, out_fd);
  int err = OpenInRoot(root_fd, path, false, no_symlink, out_fd);
  if (err != ENOENT) return err;
  int parent = -1;
  char name[NAME_MAX + 1];
  if ((err = ParentInRoot(root_fd, path, no_symlink, &parent, name, sizeof name))) return err;
  int fd = ::openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno != EEXIST) {
    err = errno;
    ::close(parent);
    return err;
  }
  if (fd >= 0) ::close(fd);
  ::close(parent);
  return OpenInRoot(root_fd, path, false, no_symlink, out_fd);
}

}  // namespace berth::runner
