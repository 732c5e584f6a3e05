// BlobStore: immutable, content-addressed blobs under `<root>/blobs/sha256/<hex>`.
//
// Blobs are manifests, configs and compressed layers, stored byte for byte as received. A
// blob becomes visible only after its digest and size were checked (hashing while the bytes
// stream in), so a reader can trust any blob it finds. Safe to use from several threads and
// processes at once: concurrent ingests of the same digest both succeed and store it once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/digest.hpp"

namespace berth::store {

namespace fs = std::filesystem;

class BlobStore {
 public:
  // `root` is the store root; blobs live in root/blobs/sha256 and stages in root/tmp.
  explicit BlobStore(fs::path root);

  bool Has(const Digest& d) const;
  fs::path PathOf(const Digest& d) const;
  // kNotFound when absent.
  Result<uint64_t> Size(const Digest& d) const;
  Result<UniqueFd> Open(const Digest& d) const;
  // Reads a small blob (manifest, config) whole; kInvalidArgument above max_bytes.
  Result<std::string> Read(const Digest& d, uint64_t max_bytes = 16 << 20) const;

  // Streams `in` to its end into a stage, hashing; commits only when the sha256 equals
  // `expected` and, if expected_size >= 0, the size matches. kDigestMismatch (naming both
  // digests) or kInvalidArgument (size) otherwise, and nothing is left behind. More bytes than
  // expected_size fail as soon as they arrive. If the blob is already present, `in` is not
  // read. Idempotent.
  Result<void> Ingest(Reader& in, const Digest& expected, int64_t expected_size);
  // Stores `data` under its own digest and returns it. Idempotent.
  Result<Digest> Put(std::string_view data);

  // Removes a blob; absent is success.
  Result<void> Remove(const Digest& d);
  Result<std::vector<Digest>> List() const;

  const fs::path& root() const { return root_; }
  fs::path tmp_dir() const { return root_ / "tmp"; }

 private:
  fs::path root_;
};

}  // namespace berth::store
