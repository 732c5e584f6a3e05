#include "berth/base/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <vector>

#include "berth/base/strings.hpp"

namespace berth {

Result<UniqueFd> Open(const fs::path& path, int flags, mode_t mode) {
  return OpenAt(AT_FDCWD, path, flags, mode);
}

Result<UniqueFd> OpenAt(int dirfd, const fs::path& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return SysError("open " + Quote(path.string()), errno);
  return UniqueFd(fd);
}

Result<std::string> ReadFile(const fs::path& path, uint64_t max_bytes) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, Open(path, O_RDONLY));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError("read " + Quote(path.string()), errno);
    }
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "read " + Quote(path.string()) + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

Result<void> FsyncPath(const fs::path& path) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, Open(path, O_RDONLY));
  if (::fsync(fd.get()) < 0) return SysError("fsync " + Quote(path.string()), errno);
  return Ok();
}

static std::string RandomSuffix() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(10, 'x');
  for (char& c : s) c = kChars[rng() % (sizeof kChars - 1)];
  return s;
}

static Result<void> WriteFileRenamed(const fs::path& path, std::string_view data, mode_t mode,
                                     bool durable) {
  fs::path tmp = path;
  tmp += ".tmp-" + RandomSuffix();
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, Open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode));
  auto fail = [&](std::string_view what, int err) {
    ::unlink(tmp.c_str());
    return SysError(std::string(what) + " " + Quote(tmp.string()), err);
  };
  while (!data.empty()) {
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (::fchmod(fd.get(), mode) < 0) return fail("chmod", errno);
  if (durable && ::fsync(fd.get()) < 0) return fail("fsync", errno);
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) < 0) return fail("rename", errno);
  if (!durable) return Ok();
  fs::path dir = path.parent_path();
  return FsyncPath(dir.empty() ? fs::path(".") : dir);
}

Result<void> WriteFileAtomic(const fs::path& path, std::string_view data, mode_t mode) {
  return WriteFileRenamed(path, data, mode, true);
}

Result<void> WriteFileReplace(const fs::path& path, std::string_view data, mode_t mode) {
  return WriteFileRenamed(path, data, mode, false);
}

Result<void> MakeDirs(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return SysError("mkdir " + Quote(path.string()), ec.value());
  return Ok();
}

static Result<void> RemoveContents(int dirfd, dev_t dev);

// Names in an open directory stream (no "." or ".."); closes the stream.
static std::vector<std::string> ReadNames(DIR* dir) {
  std::vector<std::string> names;
  while (struct dirent* d = ::readdir(dir)) {
    std::string_view n = d->d_name;
    if (n == "." || n == "..") continue;
    names.emplace_back(n);
  }
  ::closedir(dir);
  return names;
}

static Result<void> RemoveEntry(int dirfd, const char* name, dev_t dev) {
  if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return Ok();
  if (errno != EISDIR && errno != EPERM) return SysError("remove " + Quote(name), errno);
  int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return SysError("open " + Quote(name), errno);
  UniqueFd sub(fd);
  struct stat st;
  if (::fstat(sub.get(), &st) < 0) return SysError("stat " + Quote(name), errno);
  if (st.st_dev != dev) {
    return MakeError(ErrorCode::kBusy, "remove " + Quote(name) + ": a mount point is inside");
  }
  // A directory without write or search permission cannot be emptied, even by root when
  // it lacks CAP_DAC_OVERRIDE; make it accessible first.
  if ((st.st_mode & 0700) != 0700) ::fchmod(sub.get(), 0700);
  auto r = RemoveContents(sub.get(), dev);
  if (!r) return std::move(r).error().Context(name);
  if (::unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
    return SysError("remove " + Quote(name), errno);
  }
  return Ok();
}

static Result<void> RemoveContents(int dirfd, dev_t dev) {
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return SysError("dup", errno);
  DIR* dir = ::fdopendir(dup);
  if (!dir) {
    ::close(dup);
    return SysError("opendir", errno);
  }
  for (const auto& n : ReadNames(dir)) BERTH_TRY(RemoveEntry(dirfd, n.c_str(), dev));
  return Ok();
}

Result<void> RemoveTreeAt(int dirfd, const std::string& name) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return Ok();
    return SysError("stat " + Quote(name), errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT) {
      return SysError("remove " + Quote(name), errno);
    }
    return Ok();
  }
  return RemoveEntry(dirfd, name.c_str(), st.st_dev);
}

Result<void> RemoveTree(const fs::path& path) {
  fs::path parent = path.parent_path();
  if (parent.empty()) parent = ".";
  int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Ok();
    return SysError("open " + Quote(parent.string()), errno);
  }
  UniqueFd pfd(fd);
  auto r = RemoveTreeAt(pfd.get(), path.filename().string());
  if (!r) return std::move(r).error().Context("remove " + Quote(path.string()));
  return Ok();
}

Result<std::vector<std::string>> ListDir(const fs::path& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return SysError("list " + Quote(path.string()), errno);
  return ReadNames(dir);
}

}  // namespace berth
