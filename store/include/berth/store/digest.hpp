// Content digests: Digest, DiffId and ChainId, and streaming SHA-256.
//
// Terms (OCI image-spec): a `Digest` is the sha256 of bytes as stored or transferred (a
// manifest, a config, a compressed layer blob); a `DiffId` is the sha256 of a layer's
// uncompressed tar; a `ChainId` names a stack of applied layers. They are distinct types so
// that one can never be passed where another is meant. Only sha256 is supported. Value types;
// Sha256 is a move-only, single-threaded hashing context.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"

namespace berth::store {

class Digest {
 public:
  Digest() = default;
  // Parses "sha256:<64 lowercase hex>". kInvalidArgument for malformed text, kUnsupported for
  // another algorithm.
  static Result<Digest> Parse(std::string_view text);
  // From 64 lowercase hex characters; kInvalidArgument otherwise.
  static Result<Digest> FromHex(std::string_view hex);
  // sha256 of `data`.
  static Digest Of(std::string_view data);

  const std::string& hex() const { return hex_; }
  std::string String() const { return "sha256:" + hex_; }
  // The first 12 hex characters, as podman shows ids.
  std::string Short() const { return hex_.substr(0, 12); }
  bool empty() const { return hex_.empty(); }

  auto operator<=>(const Digest&) const = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  friend class Sha256;
  std::string hex_;
};

// A Digest with a distinct meaning; see the file comment.
template <typename Tag>
class TypedDigest {
 public:
  TypedDigest() = default;
  explicit TypedDigest(Digest d) : d_(std::move(d)) {}
  static Result<TypedDigest> Parse(std::string_view text) {
    BERTH_ASSIGN_OR_RETURN(Digest d, Digest::Parse(text));
    return TypedDigest(std::move(d));
  }
  const Digest& digest() const { return d_; }
  const std::string& hex() const { return d_.hex(); }
  std::string String() const { return d_.String(); }
  std::string Short() const { return d_.Short(); }
  bool empty() const { return d_.empty(); }
  auto operator<=>(const TypedDigest&) const = default;

 private:
  Digest d_;
};

struct DiffIdTag {};
struct ChainIdTag {};
using DiffId = TypedDigest<DiffIdTag>;
using ChainId = TypedDigest<ChainIdTag>;

// ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256("<ChainID(L0..n-1)> <DiffID(Ln)>").
// Empty input gives an empty ChainId.
ChainId ComputeChainId(const std::vector<DiffId>& diff_ids);

// Streaming SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void Update(std::span<const std::byte> data);
  void Update(std::string_view data) { Update(AsBytes(data)); }
  // Returns the digest of everything passed to Update; the context is then reset.
  Digest Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A Writer that hashes and counts what passes through to `next` (which may be null: then it
// only hashes).
class HashingWriter : public Writer {
 public:
  explicit HashingWriter(Writer* next) : next_(next) {}
  Result<void> Write(std::span<const std::byte> data) override;
  uint64_t size() const { return size_; }
  Digest Finish() { return sha_.Finish(); }

 private:
  Writer* next_;
  Sha256 sha_;
  uint64_t size_ = 0;
};

// A Reader that hashes and counts what it reads from `src`.
class HashingReader : public Reader {
 public:
  // hash=false: only counts (the bytes were verified elsewhere); Finish() is then empty.
  explicit HashingReader(Reader& src, bool hash = true) : src_(src), hash_(hash) {}
  Result<size_t> Read(std::span<std::byte> buf) override;
  uint64_t size() const { return size_; }
  Digest Finish() { return sha_.Finish(); }

 private:
  Reader& src_;
  bool hash_;
  Sha256 sha_;
  uint64_t size_ = 0;
};

}  // namespace berth::store
