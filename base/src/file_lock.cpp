#include "berth/base/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth {

Result<FileLock> FileLock::Lock(const std::filesystem::path& path, Mode mode, bool wait) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, Open(path, O_RDWR | O_CREAT, 0600));
  int op = (mode == Mode::kShared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB);
  while (::flock(fd.get(), op) < 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      return MakeError(ErrorCode::kBusy, "lock " + Quote(path.string()) + ": held by another process");
    }
    return SysError("lock " + Quote(path.string()), errno);
  }
  return FileLock(std::move(fd));
}

Result<FileLock> FileLock::Acquire(const std::filesystem::path& path, Mode mode) {
  return Lock(path, mode, true);
}

Result<FileLock> FileLock::TryAcquire(const std::filesystem::path& path, Mode mode) {
  return Lock(path, mode, false);
}

Result<void> FileLock::Change(Mode mode) {
  int op = mode == Mode::kShared ? LOCK_SH : LOCK_EX;
  while (::flock(fd_.get(), op) < 0) {
    if (errno == EINTR) continue;
    return SysError("change lock", errno);
  }
  return Ok();
}

}  // namespace berth
