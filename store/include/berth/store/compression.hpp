// Layer compression: detection by magic bytes, streaming decompression and compression.
//
// gzip is inflated with ISA-L (several times zlib's speed) and deflated with ISA-L or zlib;
// zstd uses libzstd. Readers and writers are single-threaded stream objects.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"

namespace berth::store {

enum class Compression { kNone, kGzip, kZstd };

std::string_view CompressionName(Compression c);  // "none", "gzip", "zstd"
// By magic bytes: 1f 8b -> gzip, 28 b5 2f fd -> zstd, anything else -> none.
Compression DetectCompression(std::span<const std::byte> head);

// A Reader that yields the decompressed bytes of `src` (borrowed). The compression is
// detected from the first bytes of `src`; `detected()` tells which it was. Concatenated gzip
// members and zstd frames (including skippable frames) are read as one stream. Corrupt
// input fails with kInvalidArgument.
class DecompressReader : public Reader {
 public:
  static Result<std::unique_ptr<DecompressReader>> Open(Reader& src);
  virtual Compression detected() const = 0;
};

// A Writer that compresses everything written to it into `dst` (borrowed). Close() flushes
// the final block and must be called before the output is used. Output is deterministic for
// the same input, compression and level.
class CompressWriter : public Writer {
 public:
  // level < 0: the library's default.
  static Result<std::unique_ptr<CompressWriter>> Open(Writer& dst, Compression c, int level = -1);
  virtual Result<void> Close() = 0;
};

}  // namespace berth::store
