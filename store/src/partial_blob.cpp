// Resumable, locked blob downloads (see partial_blob.hpp).
#include "berth/store/partial_blob.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::store {

Result<PartialBlob> PartialBlob::Open(BlobStore& blobs, const Digest& digest, int64_t size,
                                      bool* waited) {
  PartialBlob p;
  p.blobs_ = &blobs;
  p.digest_ = digest;
  p.expected_size_ = size;
  p.path_ = blobs.root() / "partial" / digest.hex();
  if (waited != nullptr) *waited = false;
  // Lock the file that is at the path once we hold the lock: a holder that finished (or gave
  // up on) the download removed or renamed the file we waited on.
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(p.fd_, berth::Open(p.path_, O_RDWR | O_CREAT, 0600));
    if (::flock(p.fd_.get(), LOCK_EX | LOCK_NB) < 0) {
      if (errno != EWOULDBLOCK) return SysError("lock " + Quote(p.path_.string()), errno);
      if (waited != nullptr) *waited = true;
      while (::flock(p.fd_.get(), LOCK_EX) < 0) {
        if (errno != EINTR) return SysError("lock " + Quote(p.path_.string()), errno);
      }
    }
    struct stat held, at_path;
    if (::fstat(p.fd_.get(), &held) < 0) return SysError("stat " + Quote(p.path_.string()), errno);
    if (::stat(p.path_.c_str(), &at_path) == 0 && at_path.st_ino == held.st_ino &&
        at_path.st_dev == held.st_dev) {
      p.size_ = static_cast<uint64_t>(held.st_size);
      break;
    }
  }
  if (blobs.Has(digest)) {
    p.stored_ = true;
    ::unlink(p.path_.c_str());  // ours while we hold the lock
    return p;
  }
  if (size >= 0 && p.size_ > static_cast<uint64_t>(size)) BERTH_TRY(p.Restart());
  // Rebuild the hash of what an earlier attempt left; the final check covers these bytes too.
  std::vector<std::byte> buf(1 << 20);
  for (uint64_t off = 0; off < p.size_;) {
    ssize_t n = ::pread(p.fd_.get(), buf.data(), buf.size(), static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError("read " + Quote(p.path_.string()), errno);
    if (n == 0) {  // shorter than fstat said: keep what was read
      p.size_ = off;
      break;
    }
    p.sha_.Update({buf.data(), static_cast<size_t>(n)});
    off += static_cast<uint64_t>(n);
  }
  if (::ftruncate(p.fd_.get(), static_cast<off_t>(p.size_)) < 0) {
    return SysError("truncate " + Quote(p.path_.string()), errno);
  }
  return p;
}

PartialBlob::PartialBlob(PartialBlob&&) noexcept = default;
PartialBlob& PartialBlob::operator=(PartialBlob&&) noexcept = default;
PartialBlob::~PartialBlob() = default;  // closing the fd releases the lock; the bytes stay

Result<void> PartialBlob::Append(std::span<const std::byte> data) {
  verified_ = false;
  if (expected_size_ >= 0 && size_ + data.size() > static_cast<uint64_t>(expected_size_)) {
    return MakeError(ErrorCode::kDigestMismatch,
                     "more than the expected " + std::to_string(expected_size_) + " bytes");
  }
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd_.get(), data.data(), data.size(), static_cast<off_t>(size_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError("write " + Quote(path_.string()), errno);
    sha_.Update(data.first(static_cast<size_t>(n)));
    size_ += static_cast<uint64_t>(n);
    data = data.subspan(static_cast<size_t>(n));
  }
  return Ok();
}

Result<void> PartialBlob::Restart() {
  verified_ = false;
  if (::ftruncate(fd_.get(), 0) < 0) return SysError("truncate " + Quote(path_.string()), errno);
  sha_ = Sha256();
  size_ = 0;
  return Ok();
}

Result<void> PartialBlob::Verify() {
  if (stored_ || verified_) return Ok();
  auto mismatch = [&](std::string why) -> Error {
    ::unlink(path_.c_str());  // never resume from bytes that failed verification
    return MakeError(ErrorCode::kDigestMismatch, std::move(why));
  };
  if (expected_size_ >= 0 && size_ != static_cast<uint64_t>(expected_size_)) {
    return mismatch("got " + std::to_string(size_) + " bytes, expected " +
                    std::to_string(expected_size_));
  }
  Digest got = sha_.Finish();
  if (got != digest_) {
    return mismatch("digest mismatch: expected " + digest_.String() + ", got " + got.String());
  }
  verified_ = true;
  return Ok();
}

Result<void> PartialBlob::Commit() {
  if (stored_) return Ok();
  BERTH_TRY(Verify());
  // World-readable like every store object, durable, then visible.
  if (::fchmod(fd_.get(), 0644) < 0) return SysError("chmod " + Quote(path_.string()), errno);
  if (::fsync(fd_.get()) < 0) return SysError("fsync " + Quote(path_.string()), errno);
  fs::path dest = blobs_->PathOf(digest_);
  if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) < 0) {
    int err = errno;
    if (err != EEXIST) {
      return SysError("rename " + Quote(path_.string()) + " to " + Quote(dest.string()), err);
    }
    ::unlink(path_.c_str());  // stored meanwhile by a writer that did not lock (Ingest)
  }
  stored_ = true;
  return FsyncPath(dest.parent_path());
}

}  // namespace berth::store
