// FileLock: an flock(2) lock on a file, released when the owner goes away.
//
// Shared locks are held by every operation that adds or uses store content; an exclusive
// lock is what garbage collection and other whole-store changes take. flock locks belong to
// the open file description, so they also exclude other threads that open the file anew.
// Move-only.
#pragma once

#include <filesystem>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth {

class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Opens (creating if needed) `path` and locks it, waiting for the lock.
  static Result<FileLock> Acquire(const std::filesystem::path& path, Mode mode);
  // As Acquire, but returns kBusy at once if the lock is held elsewhere.
  static Result<FileLock> TryAcquire(const std::filesystem::path& path, Mode mode);

  FileLock() = default;
  FileLock(FileLock&&) noexcept = default;
  FileLock& operator=(FileLock&&) noexcept = default;

  bool held() const { return fd_.valid(); }
  // Converts the held lock to `mode` (not atomic: flock(2) drops and re-takes it).
  Result<void> Change(Mode mode);
  void Unlock() { fd_.Reset(); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  static Result<FileLock> Lock(const std::filesystem::path& path, Mode mode, bool wait);
  UniqueFd fd_;
};

}  // namespace berth
