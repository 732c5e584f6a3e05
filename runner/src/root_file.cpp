#include "root_file.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/strings.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::runner {

namespace {

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before we can
// fstat it and refuse it. O_NOCTTY: a tty device must not become our controlling terminal.
constexpr int kOpenFlags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
// openat2 fails with EAGAIN when a concurrent rename could have let ".." escape.
constexpr int kEagainRetries = 8;

// Both openers return an fd, or -errno (destructors run between a failing call and the
// caller, so errno itself is not trusted to survive).

// The fallback without openat2: each component with O_NOFOLLOW, so no symlink is followed.
int OpenNoFollow(int root_fd, std::string_view rel) {
  UniqueFd dir(::openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return -errno;
  size_t start = 0;
  while (true) {
    size_t slash = rel.find('/', start);
    std::string name(rel.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) {
      int fd = ::openat(dir.get(), name.c_str(), kOpenFlags | O_NOFOLLOW);
      return fd >= 0 ? fd : -errno;
    }
    start = slash + 1;
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      return -EXDEV;  // what RESOLVE_BENEATH answers; our paths never contain ".."
    }
    UniqueFd next(::openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!next) return -errno;
    struct stat st;
    if (::fstat(next.get(), &st) < 0) return -errno;
    // A symlink is refused as the last component's O_NOFOLLOW refuses it, not reported as
    // "missing" (which O_DIRECTORY's ENOTDIR would make it).
    if (S_ISLNK(st.st_mode)) return -ELOOP;
    if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
    dir = std::move(next);
  }
}

int OpenInRoot(int root_fd, const std::string& rel) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(kOpenFlags);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < kEagainRetries; ++attempt) {
    long fd = ::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno == EAGAIN || errno == EINTR) continue;
    if (errno == ENOSYS || errno == EPERM) return OpenNoFollow(root_fd, rel);
    return -errno;
  }
  return -EAGAIN;
}

}  // namespace

Result<std::optional<std::string>> ReadFileInRoot(int root_fd, std::string_view rel,
                                                  uint64_t max_bytes) {
  const std::string shown = "/" + std::string(rel);
  int opened = OpenInRoot(root_fd, std::string(rel));
  if (opened < 0) {
    if (opened == -ENOENT || opened == -ENOTDIR) return std::optional<std::string>();
    return SysError("open " + Quote(shown) + " in the container", -opened);
  }
  UniqueFd fd(opened);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(shown), errno);
  if (!S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, "read " + Quote(shown) + ": not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return MakeError(ErrorCode::kInvalidArgument, "read " + Quote(shown) + ": larger than " +
                                                      std::to_string(max_bytes) + " bytes");
  }
  std::string data;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError("read " + Quote(shown), errno);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    // The file may grow while we read it; the limit holds for what we keep.
    if (data.size() > max_bytes) {
      return MakeError(ErrorCode::kInvalidArgument, "read " + Quote(shown) + ": larger than " +
                                                        std::to_string(max_bytes) + " bytes");
    }
  }
  return std::optional<std::string>(std::move(data));
}

}  // namespace berth::runner
