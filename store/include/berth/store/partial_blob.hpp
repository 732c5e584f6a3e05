// PartialBlob: a blob download that outlives the process making it.
//
// The bytes of blob D go to `<root>/partial/<hex of D>`, which its downloader holds an
// exclusive flock(2) on. So a download broken by a lost connection, or by berth being
// killed, resumes at the next attempt from the bytes already there (their hash is rebuilt by
// reading them back, so only what is missing is fetched), and two processes (or threads)
// pulling the same blob fetch it once: the second waits for the lock, then finds the blob
// committed. Commit() checks size and sha256 against the descriptor and renames the file
// into the blob store; a mismatch removes the partial file, so a bad prefix is never resumed
// twice. A partial file is never a blob: readers only look in blobs/. Garbage collection
// removes partial files whose blob is stored and those untouched for a week.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "berth/base/file_lock.hpp"
#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/blob_store.hpp"
#include "berth/store/digest.hpp"

namespace berth::store {

class PartialBlob {
 public:
  // Opens (creating) the partial file of `digest`, waiting while another downloader holds
  // it. `size` is the descriptor's (-1: unknown); a partial file longer than that starts
  // over. `waited` (optional) is set when another downloader held the lock.
  static Result<PartialBlob> Open(BlobStore& blobs, const Digest& digest, int64_t size,
                                  bool* waited = nullptr);

  PartialBlob(PartialBlob&&) noexcept;
  PartialBlob& operator=(PartialBlob&&) noexcept;
  ~PartialBlob();

  // True when the blob is already in the store (someone else finished it): nothing to do.
  bool stored() const { return stored_; }
  // Bytes present (what a resuming download skips with Range).
  uint64_t size() const { return size_; }

  // Appends and hashes; kDigestMismatch past the descriptor's size.
  Result<void> Append(std::span<const std::byte> data);
  // Drops every byte (the server ignored Range and sends the blob from its start).
  Result<void> Restart();
  // Checks size and sha256 (once; later calls repeat the verdict). On kDigestMismatch the
  // partial file is removed. A verified partial can be read (fd()) before it is committed,
  // e.g. to unpack it while the lock still keeps other downloaders waiting.
  Result<void> Verify();
  // Verify(), then make the file durable and move it into the blob store (already stored by
  // someone else counts as success).
  Result<void> Commit();
  // The partial file, open for reading and writing (reads need pread or an lseek first).
  int fd() const { return fd_.get(); }

 private:
  PartialBlob() = default;
  BlobStore* blobs_ = nullptr;
  Digest digest_;
  int64_t expected_size_ = -1;
  std::filesystem::path path_;
  UniqueFd fd_;
  FileLock lock_;
  Sha256 sha_;
  uint64_t size_ = 0;
  bool stored_ = false;
  bool verified_ = false;
};

}  // namespace berth::store
