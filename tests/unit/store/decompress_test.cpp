// DecompressReader: magic sniffing, gzip (single and concatenated members), zstd (frames and
// skippable frames), passthrough, and corrupt or truncated input failing loudly.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "berth/store/compression.hpp"

namespace berth::store {
namespace {

// Returns its data in chunks of at most `chunk` bytes, so codecs see every buffer boundary.
class ChunkedReader : public Reader {
 public:
  ChunkedReader(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    size_t n = std::min({buf.size(), chunk_, data_.size() - pos_});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

la_ssize_t AppendToString(struct archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// One gzip member holding `data` (libarchive's raw format with its gzip filter).
std::string Gzip(const std::string& data) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_add_filter_gzip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(a, &out, nullptr, AppendToString, nullptr);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "data");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  archive_write_header(a, e);
  if (!data.empty()) archive_write_data(a, data.data(), data.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// One zstd frame holding `data`, with the optional content checksum.
std::string Zstd(const std::string& data, bool checksum = false) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, checksum ? 1 : 0);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress2(cctx.get(), out.data(), out.size(), data.data(), data.size());
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

std::string SkippableFrame(const std::string& payload) {
  std::string out = {'\x50', '\x2a', '\x4d', '\x18'};
  uint32_t n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + payload;
}

// Half random bytes, half repetitive text: compresses, but not to nothing.
std::string TestData(size_t size, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(size);
  while (s.size() < size) {
    if (rng() % 2) {
      for (int i = 0; i < 64 && s.size() < size; ++i) s += static_cast<char>(rng());
    } else {
      s += "the quick brown fox jumps over the lazy dog ";
    }
  }
  s.resize(size);
  return s;
}

// Decompresses `compressed` reading it `in_chunk` bytes at a time and draining the decoder
// `out_chunk` bytes at a time.
Result<std::string> Decompress(const std::string& compressed, size_t in_chunk = 1 << 20,
                               size_t out_chunk = 1 << 20, Compression* detected = nullptr) {
  ChunkedReader src(compressed, in_chunk);
  BERTH_ASSIGN_OR_RETURN(auto reader, DecompressReader::Open(src));
  if (detected) *detected = reader->detected();
  std::string out;
  std::vector<std::byte> buf(out_chunk);
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(size_t n, reader->Read(buf));
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

TEST(DecompressTest, DetectsByMagic) {
  auto detect = [](std::string s) { return DetectCompression(AsBytes(s)); };
  EXPECT_EQ(detect("\x1f\x8b\x08\x00"), Compression::kGzip);
  EXPECT_EQ(detect("\x1f\x8b"), Compression::kGzip);
  EXPECT_EQ(detect(std::string("\x28\xb5\x2f\xfd", 4)), Compression::kZstd);
  EXPECT_EQ(detect(std::string("\x28\xb5\x2f", 3)), Compression::kNone);
  EXPECT_EQ(detect("ustar"), Compression::kNone);
  EXPECT_EQ(detect(""), Compression::kNone);
  EXPECT_EQ(CompressionName(Compression::kNone), "none");
  EXPECT_EQ(CompressionName(Compression::kGzip), "gzip");
  EXPECT_EQ(CompressionName(Compression::kZstd), "zstd");
}

TEST(DecompressTest, PlainPassesThroughIncludingShortInput) {
  for (std::string data : {std::string(), std::string("a"), std::string("abc"), std::string("\x1f"),
                           TestData(3 << 20)}) {
    Compression c{};
    auto out = Decompress(data, 5, 3, &c);
    ASSERT_TRUE(out) << out.error().ToString();
    EXPECT_EQ(c, Compression::kNone);
    EXPECT_EQ(*out, data);
  }
}

TEST(DecompressTest, GzipSingleMemberAtEveryChunking) {
  std::string data = TestData(3 << 20);
  std::string gz = Gzip(data);
  for (auto [in_chunk, out_chunk] : std::vector<std::pair<size_t, size_t>>{
           {1 << 20, 1 << 20}, {4096, 1 << 20}, {1 << 20, 7}, {4093, 977}, {3 << 20, 3 << 20}}) {
    Compression c{};
    auto out = Decompress(gz, in_chunk, out_chunk, &c);
    ASSERT_TRUE(out) << in_chunk << "/" << out_chunk << ": " << out.error().ToString();
    EXPECT_EQ(c, Compression::kGzip);
    EXPECT_TRUE(*out == data) << in_chunk << "/" << out_chunk;
  }
}

TEST(DecompressTest, GzipConcatenatedMembersAreOneStream) {
  std::string a = TestData(200000, 1), b = TestData(5, 2), c = TestData(70000, 3);
  std::string gz = Gzip(a) + Gzip(b) + Gzip("") + Gzip(c);
  // Small input chunks put member boundaries at every offset within a read.
  for (size_t in_chunk : {size_t{1}, size_t{3}, size_t{7}, size_t{13}, size_t{4096}, gz.size()}) {
    auto out = Decompress(gz, in_chunk, 1000);
    ASSERT_TRUE(out) << "chunk " << in_chunk << ": " << out.error().ToString();
    EXPECT_TRUE(*out == a + b + c) << "chunk " << in_chunk;
  }
}

TEST(DecompressTest, GzipCorruptDataFails) {
  std::string gz = Gzip(TestData(100000));
  std::string body = gz, crc = gz, size = gz;
  body[gz.size() / 2] = static_cast<char>(body[gz.size() / 2] ^ 0x55);
  crc[gz.size() - 6] = static_cast<char>(crc[gz.size() - 6] ^ 1);    // CRC32
  size[gz.size() - 2] = static_cast<char>(size[gz.size() - 2] ^ 1);  // ISIZE
  for (const auto& bad : {body, crc, size}) {
    auto out = Decompress(bad);
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument) << out.error().ToString();
  }
}

TEST(DecompressTest, GzipTruncatedFails) {
  std::string gz = Gzip(TestData(100000));
  for (size_t keep : {size_t{2}, size_t{5}, size_t{10}, gz.size() / 2, gz.size() - 8, gz.size() - 4,
                      gz.size() - 1}) {
    auto out = Decompress(gz.substr(0, keep), 4096, 1 << 16);
    ASSERT_FALSE(out) << "kept " << keep << " of " << gz.size();
    EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(out.error().message.find("gzip"), std::string::npos) << out.error().message;
  }
  // A second member cut short is as bad as the first.
  auto out = Decompress(gz + Gzip("more").substr(0, 12));
  EXPECT_FALSE(out);
}

TEST(DecompressTest, GzipTrailingGarbageFails) {
  auto out = Decompress(Gzip("hello") + "garbage!");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
}

TEST(DecompressTest, ZstdFramesAndSkippableFrames) {
  // zstd:chunked layout: ordinary frames with skippable frames (its table of contents) between
  // and after them.
  std::string a = TestData(300000, 4), b = TestData(1000, 5);
  std::string zs =
      Zstd(a) + SkippableFrame(std::string(100, 'x')) + Zstd(b) + Zstd("") + SkippableFrame("toc");
  for (size_t in_chunk : {size_t{1}, size_t{7}, size_t{4096}, zs.size()}) {
    Compression c{};
    auto out = Decompress(zs, in_chunk, 999, &c);
    ASSERT_TRUE(out) << "chunk " << in_chunk << ": " << out.error().ToString();
    EXPECT_EQ(c, Compression::kZstd);
    EXPECT_TRUE(*out == a + b) << "chunk " << in_chunk;
  }
}

TEST(DecompressTest, ZstdTruncatedOrCorruptFails) {
  std::string zs = Zstd(TestData(200000));
  for (size_t keep : {size_t{4}, size_t{10}, zs.size() / 2, zs.size() - 1}) {
    auto out = Decompress(zs.substr(0, keep), 4096, 1 << 16);
    ASSERT_FALSE(out) << "kept " << keep << " of " << zs.size();
    EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
  }
  // Without the frame checksum a flipped literal would go unnoticed, as with any zstd reader.
  std::string bad = Zstd(TestData(200000), /*checksum=*/true);
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x55);
  bad[bad.size() / 2 + 1] = static_cast<char>(bad[bad.size() / 2 + 1] ^ 0x55);
  auto out = Decompress(bad);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::store
