// Streaming decompression for layer blobs: magic-byte sniffing, gzip through ISA-L, zstd
// through libzstd, and a passthrough for plain tar.
//
// Every reader holds one input buffer of kInputBufferSize bytes plus the codec's own state
// (ISA-L: ~40 KiB; zstd: bounded by ZSTD_d_windowLogMax), so memory does not grow with the
// layer. A stream that ends in the middle of a gzip member or zstd frame is an error, never a
// silent short read: a truncated download must not unpack as a smaller layer.
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <memory>
#include <vector>

#include "berth/store/compression.hpp"

namespace berth::store {

namespace {

constexpr size_t kInputBufferSize = size_t{1} << 20;
constexpr size_t kMagicSize = 4;

Error CorruptError(std::string_view format, std::string_view what) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "decompress " + std::string(format) + ": " + std::string(what));
}

// An input buffer refilled from a borrowed Reader. It starts with the bytes that were read to
// sniff the magic, so nothing is read twice and nothing is lost.
class InputBuffer {
 public:
  InputBuffer(Reader& src, std::span<const std::byte> head) : src_(src), buf_(kInputBufferSize) {
    std::memcpy(buf_.data(), head.data(), head.size());
    end_ = head.size();
  }

  uint8_t* data() { return reinterpret_cast<uint8_t*>(buf_.data()) + pos_; }
  size_t available() const { return end_ - pos_; }
  void Consume(size_t n) { pos_ += n; }
  bool eof() const { return eof_; }

  // Reads more input if everything buffered was consumed. At end of stream, available()
  // stays 0 and eof() becomes true.
  Result<void> Refill() {
    if (available() > 0 || eof_) return Ok();
    pos_ = end_ = 0;
    BERTH_ASSIGN_OR_RETURN(size_t n, src_.Read(buf_));
    end_ = n;
    if (n == 0) eof_ = true;
    return Ok();
  }

 private:
  Reader& src_;
  std::vector<std::byte> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
};

class PlainReader final : public DecompressReader {
 public:
  PlainReader(Reader& src, std::span<const std::byte> head) : src_(src) {
    std::memcpy(head_.data(), head.data(), head.size());
    head_size_ = head.size();
  }
  Compression detected() const override { return Compression::kNone; }

  Result<size_t> Read(std::span<std::byte> buf) override {
    if (head_pos_ < head_size_) {
      size_t n = std::min(buf.size(), head_size_ - head_pos_);
      std::memcpy(buf.data(), head_.data() + head_pos_, n);
      head_pos_ += n;
      return n;
    }
    return src_.Read(buf);
  }

 private:
  Reader& src_;
  std::array<std::byte, kMagicSize> head_{};
  size_t head_size_ = 0;
  size_t head_pos_ = 0;
};

// gzip (RFC 1952) with ISA-L. With crc_flag = ISAL_GZIP, isal_inflate parses the member
// header and verifies CRC32 and ISIZE from the trailer itself. Concatenated members (pigz,
// `cat a.gz b.gz`) are read as one stream, as gzip(1) and Go's gzip.Reader do; whatever
// follows a member must be another member, otherwise the stream is corrupt.
class GzipReader final : public DecompressReader {
 public:
  GzipReader(Reader& src, std::span<const std::byte> head)
      : in_(src, head), state_(std::make_unique<inflate_state>()) {
    StartMember();
  }
  Compression detected() const override { return Compression::kGzip; }

  Result<size_t> Read(std::span<std::byte> buf) override {
    if (done_ || buf.empty()) return 0;
    inflate_state& st = *state_;
    const uint32_t want = static_cast<uint32_t>(std::min<size_t>(buf.size(), UINT32_MAX));
    st.next_out = reinterpret_cast<uint8_t*>(buf.data());
    st.avail_out = want;
    for (;;) {
      if (st.block_state == ISAL_BLOCK_FINISH) {
        BERTH_TRY(in_.Refill());
        if (in_.available() == 0) {
          done_ = true;
          break;
        }
        StartMember();
      }
      BERTH_TRY(in_.Refill());
      st.next_in = in_.data();
      st.avail_in = static_cast<uint32_t>(std::min<size_t>(in_.available(), UINT32_MAX));
      const uint32_t in_before = st.avail_in;
      const uint32_t out_before = st.avail_out;
      int rc = isal_inflate(&st);
      in_.Consume(in_before - st.avail_in);
      if (rc != ISAL_DECOMP_OK) return CorruptError("gzip", IsalErrorText(rc));
      if (st.block_state == ISAL_BLOCK_FINISH) continue;
      if (st.avail_out == 0) break;
      if (in_before > 0 && st.avail_in == in_before && st.avail_out == out_before) {
        return CorruptError("gzip", "decoder made no progress");
      }
      // isal_inflate returns with output space left only once it has used up its input.
      if (in_.available() == 0 && in_.eof()) {
        return CorruptError("gzip", "unexpected end of stream (truncated)");
      }
    }
    return static_cast<size_t>(want - st.avail_out);
  }

 private:
  void StartMember() {
    // isal_inflate_init resets everything, the output pointers and crc_flag included; the
    // previous member's unconsumed input is still in in_.
    uint8_t* next_out = state_->next_out;
    uint32_t avail_out = state_->avail_out;
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
    state_->next_out = next_out;
    state_->avail_out = avail_out;
  }

  static const char* IsalErrorText(int rc) {
    switch (rc) {
      case ISAL_INVALID_BLOCK:
        return "invalid deflate block";
      case ISAL_INVALID_SYMBOL:
        return "invalid deflate symbol";
      case ISAL_INVALID_LOOKBACK:
        return "invalid lookback distance";
      case ISAL_INVALID_WRAPPER:
        return "invalid gzip header";
      case ISAL_UNSUPPORTED_METHOD:
        return "unsupported compression method";
      case ISAL_INCORRECT_CHECKSUM:
        return "checksum mismatch (corrupt data)";
      case ISAL_NEED_DICT:
        return "preset dictionary required";
      default:
        return "invalid data";
    }
  }

  InputBuffer in_;
  std::unique_ptr<inflate_state> state_;  // ~40 KiB: keep it off the stack
  bool done_ = false;
};

struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

// zstd with ZSTD_decompressStream, which walks concatenated frames and skips skippable frames
// (zstd:chunked's table of contents) by itself. Its return value is 0 exactly when a frame
// has been fully decoded and flushed, which is how truncation is told from a clean end.
class ZstdReader final : public DecompressReader {
 public:
  ZstdReader(Reader& src, std::span<const std::byte> head, ZSTD_DCtx* ctx)
      : in_(src, head), ctx_(ctx) {}
  Compression detected() const override { return Compression::kZstd; }

  Result<size_t> Read(std::span<std::byte> buf) override {
    if (done_ || buf.empty()) return 0;
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    while (out.pos < out.size) {
      BERTH_TRY(in_.Refill());
      if (in_.available() == 0 && frame_complete_) {
        done_ = true;
        break;
      }
      ZSTD_inBuffer input{in_.data(), in_.available(), 0};
      size_t rc = ZSTD_decompressStream(ctx_.get(), &out, &input);
      in_.Consume(input.pos);
      if (ZSTD_isError(rc)) return CorruptError("zstd", ZSTD_getErrorName(rc));
      frame_complete_ = rc == 0;
      if (in_.available() == 0 && in_.eof() && !frame_complete_ && out.pos < out.size) {
        // The decoder had room to write and nothing left to read but the frame is open.
        return CorruptError("zstd", "unexpected end of stream (truncated)");
      }
    }
    return out.pos;
  }

 private:
  InputBuffer in_;
  std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> ctx_;
  // True before the first byte (an empty stream is no frame at all) and after each frame.
  bool frame_complete_ = true;
  bool done_ = false;
};

// Reads up to kMagicSize bytes; fewer only at end of stream.
Result<size_t> ReadHead(Reader& src, std::span<std::byte> head) {
  size_t got = 0;
  while (got < head.size()) {
    BERTH_ASSIGN_OR_RETURN(size_t n, src.Read(head.subspan(got)));
    if (n == 0) break;
    got += n;
  }
  return got;
}

}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "none";
}

Compression DetectCompression(std::span<const std::byte> head) {
  auto at = [&](size_t i) { return std::to_integer<uint8_t>(head[i]); };
  if (head.size() >= 2 && at(0) == 0x1f && at(1) == 0x8b) return Compression::kGzip;
  if (head.size() >= 4 && at(0) == 0x28 && at(1) == 0xb5 && at(2) == 0x2f && at(3) == 0xfd) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

Result<std::unique_ptr<DecompressReader>> DecompressReader::Open(Reader& src) {
  std::array<std::byte, kMagicSize> head_buf{};
  BERTH_ASSIGN_OR_RETURN(size_t n, ReadHead(src, head_buf));
  std::span<const std::byte> head(head_buf.data(), n);
  switch (DetectCompression(head)) {
    case Compression::kGzip:
      return std::unique_ptr<DecompressReader>(std::make_unique<GzipReader>(src, head));
    case Compression::kZstd: {
      ZSTD_DCtx* ctx = ZSTD_createDCtx();
      if (!ctx) return MakeError(ErrorCode::kInternal, "create zstd decoder: out of memory");
      return std::unique_ptr<DecompressReader>(std::make_unique<ZstdReader>(src, head, ctx));
    }
    case Compression::kNone:
      break;
  }
  return std::unique_ptr<DecompressReader>(std::make_unique<PlainReader>(src, head));
}

}  // namespace berth::store
