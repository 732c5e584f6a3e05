// Streaming compression for layer blobs: gzip through ISA-L, zstd through libzstd, and a
// passthrough for plain tar.
//
// Determinism is the point of this file: a committed layer must hash the same every time, so
// the compressed bytes may depend only on the input bytes, the algorithm and the level, never
// on how callers happened to slice their writes. Input is therefore fed to the compressor in
// fixed 256 KiB chunks (buffered, or handed over directly when the caller's span is already
// chunk-aligned), the gzip header is written by hand with mtime 0 and no name, and zstd runs
// single-threaded. Memory is bounded: one input chunk, one output buffer and the compressor's
// own state.
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "berth/store/compression.hpp"

namespace berth::store {

namespace {

constexpr size_t kChunkSize = 256 * 1024;
constexpr size_t kOutSize = 256 * 1024;

// Buffers input into fixed chunks and output into one buffer; subclasses compress.
class ChunkedCompressWriter : public CompressWriter {
 public:
  explicit ChunkedCompressWriter(Writer& dst)
      : dst_(dst),
        in_(std::make_unique<std::byte[]>(kChunkSize)),
        out_(std::make_unique<std::byte[]>(kOutSize)) {}

  Result<void> Write(std::span<const std::byte> data) override {
    if (closed_) return MakeError(ErrorCode::kInternal, "compress: write after close");
    while (!data.empty()) {
      if (in_len_ == 0 && data.size() >= kChunkSize) {
        BERTH_TRY(Compress(data.first(kChunkSize), false));
        data = data.subspan(kChunkSize);
        continue;
      }
      size_t n = std::min(data.size(), kChunkSize - in_len_);
      std::memcpy(in_.get() + in_len_, data.data(), n);
      in_len_ += n;
      data = data.subspan(n);
      if (in_len_ == kChunkSize) {
        in_len_ = 0;
        BERTH_TRY(Compress({in_.get(), kChunkSize}, false));
      }
    }
    return Ok();
  }

  Result<void> Close() override {
    if (closed_) return Ok();
    closed_ = true;
    BERTH_TRY(Compress({in_.get(), in_len_}, true));
    in_len_ = 0;
    return FlushOut();
  }

 protected:
  // Compresses `in` completely; `last` ends the stream. Implementations fill out_ from
  // out_len_ on and call FlushOut() whenever it is full.
  virtual Result<void> Compress(std::span<const std::byte> in, bool last) = 0;

  Result<void> FlushOut() {
    if (out_len_ == 0) return Ok();
    size_t n = out_len_;
    out_len_ = 0;
    return dst_.Write({out_.get(), n});
  }

  Writer& dst_;
  std::unique_ptr<std::byte[]> in_;
  size_t in_len_ = 0;
  std::unique_ptr<std::byte[]> out_;
  size_t out_len_ = 0;
  bool closed_ = false;
};

// gzip (RFC 1952) with ISA-L's deflate. ISA-L only has levels 0-3; 3 is its best ratio.
class GzipWriter final : public ChunkedCompressWriter {
 public:
  GzipWriter(Writer& dst, int level) : ChunkedCompressWriter(dst) {
    static constexpr uint32_t kLevelBufSize[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                                 ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    isal_deflate_init(zs_.get());
    zs_->level = static_cast<uint32_t>(level);
    zs_->level_buf_size = kLevelBufSize[level];
    if (zs_->level_buf_size > 0) {
      level_buf_ = std::make_unique<uint8_t[]>(zs_->level_buf_size);
      zs_->level_buf = level_buf_.get();
    }
    // ISA-L writes only the trailer (CRC32, ISIZE); the header is ours so that it is fixed:
    // no FNAME, MTIME 0, XFL 0, OS 255 ("unknown"), the same bytes Go's compress/gzip emits.
    zs_->gzip_flag = IGZIP_GZIP_NO_HDR;
    static constexpr uint8_t kHeader[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    std::memcpy(out_.get(), kHeader, sizeof kHeader);
    out_len_ = sizeof kHeader;
  }

 private:
  Result<void> Compress(std::span<const std::byte> in, bool last) override {
    zs_->next_in = reinterpret_cast<uint8_t*>(const_cast<std::byte*>(in.data()));
    zs_->avail_in = static_cast<uint32_t>(in.size());
    zs_->end_of_stream = last ? 1 : 0;
    zs_->flush = NO_FLUSH;
    for (;;) {
      zs_->next_out = reinterpret_cast<uint8_t*>(out_.get() + out_len_);
      zs_->avail_out = static_cast<uint32_t>(kOutSize - out_len_);
      int rc = isal_deflate(zs_.get());
      if (rc != COMP_OK) {
        return MakeError(ErrorCode::kInternal,
                         "gzip compress: isal_deflate returned " + std::to_string(rc));
      }
      out_len_ = kOutSize - zs_->avail_out;
      bool done = zs_->avail_in == 0 && (!last || zs_->internal_state.state == ZSTATE_END);
      if (out_len_ == kOutSize) BERTH_TRY(FlushOut());
      if (done) return Ok();
    }
  }

  // isal_zstream embeds its 64 KiB history window, so it lives on the heap.
  std::unique_ptr<isal_zstream> zs_ = std::make_unique<isal_zstream>();
  std::unique_ptr<uint8_t[]> level_buf_;
};

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

class ZstdWriter final : public ChunkedCompressWriter {
 public:
  ZstdWriter(Writer& dst, std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx)
      : ChunkedCompressWriter(dst), cctx_(std::move(cctx)) {}

  static Result<std::unique_ptr<CompressWriter>> Make(Writer& dst, int level) {
    std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
    if (!cctx) return MakeError(ErrorCode::kInternal, "zstd compress: out of memory");
    // nbWorkers 0 keeps compression in this thread; libzstd's multi-threaded mode is
    // deterministic too, but costs threads the caller did not ask for. The content checksum
    // lets any zstd reader detect corruption, as the zstd CLI does by default.
    for (auto [param, value] :
         {std::pair{ZSTD_c_compressionLevel, level}, std::pair{ZSTD_c_checksumFlag, 1},
          std::pair{ZSTD_c_nbWorkers, 0}}) {
      size_t rc = ZSTD_CCtx_setParameter(cctx.get(), param, value);
      if (ZSTD_isError(rc)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         std::string("zstd compress: set parameter: ") + ZSTD_getErrorName(rc));
      }
    }
    return std::unique_ptr<CompressWriter>(new ZstdWriter(dst, std::move(cctx)));
  }

 private:
  Result<void> Compress(std::span<const std::byte> in, bool last) override {
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      ZSTD_outBuffer ob{out_.get() + out_len_, kOutSize - out_len_, 0};
      size_t remaining = ZSTD_compressStream2(cctx_.get(), &ob, &ib, mode);
      if (ZSTD_isError(remaining)) {
        return MakeError(ErrorCode::kInternal,
                         std::string("zstd compress: ") + ZSTD_getErrorName(remaining));
      }
      out_len_ += ob.pos;
      // With ZSTD_e_end, a non-zero return means the frame epilogue is not fully out yet.
      bool done = ib.pos == ib.size && (!last || remaining == 0);
      if (out_len_ == kOutSize) BERTH_TRY(FlushOut());
      if (done) return Ok();
    }
  }

  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx_;
};

class PassthroughWriter final : public CompressWriter {
 public:
  explicit PassthroughWriter(Writer& dst) : dst_(dst) {}
  Result<void> Write(std::span<const std::byte> data) override { return dst_.Write(data); }
  Result<void> Close() override { return Ok(); }

 private:
  Writer& dst_;
};

}  // namespace

Result<std::unique_ptr<CompressWriter>> CompressWriter::Open(Writer& dst, Compression c,
                                                             int level) {
  switch (c) {
    case Compression::kNone:
      return std::unique_ptr<CompressWriter>(new PassthroughWriter(dst));
    case Compression::kGzip:
      // Level 1 is ISA-L's fast default. Levels above ISA-L's maximum (callers may pass
      // zlib's 1-9, as podman's --compression-level does) get ISA-L's best, level 3.
      if (level < 0) level = 1;
      level = std::min(level, ISAL_DEF_MAX_LEVEL);
      return std::unique_ptr<CompressWriter>(new GzipWriter(dst, level));
    case Compression::kZstd:
      return ZstdWriter::Make(dst, level < 0 ? 3 : std::min(level, ZSTD_maxCLevel()));
  }
  return MakeError(ErrorCode::kInvalidArgument, "compress: unknown compression");
}

}  // namespace berth::store
