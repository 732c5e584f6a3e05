// CompressWriter: round trips decoded by independent decoders (libarchive's gzip reader,
// libzstd directly), fixed gzip header bytes, and output that depends only on the input.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <zstd.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "berth/base/io.hpp"
#include "berth/store/compression.hpp"

namespace berth::store {
namespace {

// Half text-like (compressible), half pseudo-random (not), so both deflate paths run.
std::string TestData(size_t n) {
  std::mt19937 rng(42);
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    if ((s.size() / 4096) % 2 == 0) {
      s += "usr/lib/x86_64-linux-gnu/libfoo.so." + std::to_string(rng() % 100) + "\n";
    } else {
      s += static_cast<char>(rng() & 0xff);
    }
  }
  s.resize(n);
  return s;
}

// Compresses `in`, handing it over in writes of `piece` bytes.
std::string Compress(Compression c, int level, const std::string& in, size_t piece) {
  StringWriter sink;
  auto w = CompressWriter::Open(sink, c, level);
  EXPECT_TRUE(w) << w.error().ToString();
  if (!w) return {};
  for (size_t off = 0; off < in.size(); off += piece) {
    auto r = (*w)->Write(AsBytes(std::string_view(in).substr(off, piece)));
    EXPECT_TRUE(r) << r.error().ToString();
  }
  auto r = (*w)->Close();
  EXPECT_TRUE(r) << r.error().ToString();
  return sink.str();
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

// libarchive's gzip reader checks the CRC32 and length trailer.
std::string Gunzip(const std::string& gz) {
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_raw(a.get());
  EXPECT_EQ(archive_read_open_memory(a.get(), gz.data(), gz.size()), ARCHIVE_OK)
      << archive_error_string(a.get());
  EXPECT_EQ(archive_filter_code(a.get(), 0), ARCHIVE_FILTER_GZIP);
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(a.get(), &entry);
  if (rc == ARCHIVE_EOF) return {};
  EXPECT_EQ(rc, ARCHIVE_OK) << archive_error_string(a.get());
  std::string out;
  char buf[65536];
  la_ssize_t n;
  while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) out.append(buf, n);
  EXPECT_EQ(n, 0) << archive_error_string(a.get());
  return out;
}

std::string Unzstd(const std::string& z) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> d(ZSTD_createDCtx(), ZSTD_freeDCtx);
  ZSTD_inBuffer in{z.data(), z.size(), 0};
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  size_t rc = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
    rc = ZSTD_decompressStream(d.get(), &ob, &in);
    EXPECT_FALSE(ZSTD_isError(rc)) << ZSTD_getErrorName(rc);
    if (ZSTD_isError(rc)) return out;
    out.append(buf.data(), ob.pos);
  }
  EXPECT_EQ(rc, 0u) << "zstd frame not complete";
  return out;
}

TEST(CompressWriter, GzipRoundTripsAtEveryLevel) {
  const std::string data = TestData(3 * 1024 * 1024 + 17);
  for (int level : {-1, 0, 1, 2, 3, 9}) {
    SCOPED_TRACE("level " + std::to_string(level));
    std::string gz = Compress(Compression::kGzip, level, data, 100000);
    EXPECT_LT(gz.size(), data.size());
    EXPECT_TRUE(Gunzip(gz) == data);
  }
}

TEST(CompressWriter, GzipSmallAndEmptyInputs) {
  // libarchive's raw reader cannot return an empty file, so the empty stream is checked by
  // bytes: header, an empty final fixed-Huffman block (03 00), CRC32 0, length 0.
  EXPECT_EQ(
      Compress(Compression::kGzip, -1, "", 1),
      std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x03\x00", 12) + std::string(8, '\0'));
  for (size_t n : {size_t{1}, size_t{511}, size_t{70000}}) {
    SCOPED_TRACE("size " + std::to_string(n));
    std::string data = TestData(n);
    EXPECT_TRUE(Gunzip(Compress(Compression::kGzip, -1, data, 4096)) == data);
  }
}

// No file name, mtime 0, XFL 0, OS 255: nothing about the machine or the time leaks in.
TEST(CompressWriter, GzipHeaderIsFixed) {
  std::string gz = Compress(Compression::kGzip, -1, "hello", 5);
  ASSERT_GE(gz.size(), 18u);
  EXPECT_EQ(gz.substr(0, 10), std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10));
}

TEST(CompressWriter, ZstdRoundTrips) {
  const std::string data = TestData(3 * 1024 * 1024 + 17);
  for (int level : {-1, 1, 3, 9}) {
    SCOPED_TRACE("level " + std::to_string(level));
    std::string z = Compress(Compression::kZstd, level, data, 100000);
    EXPECT_EQ(z.substr(0, 4), std::string("\x28\xb5\x2f\xfd", 4));
    EXPECT_LT(z.size(), data.size());
    EXPECT_TRUE(Unzstd(z) == data);
  }
  EXPECT_EQ(Unzstd(Compress(Compression::kZstd, -1, "", 1)), "");
}

TEST(CompressWriter, NoneIsPassthrough) {
  const std::string data = TestData(300000);
  EXPECT_TRUE(Compress(Compression::kNone, -1, data, 777) == data);
  EXPECT_EQ(Compress(Compression::kNone, -1, "", 1), "");
}

// A layer's digest must not depend on how the tar writer happened to slice its output.
TEST(CompressWriter, OutputDependsOnlyOnInput) {
  const std::string data = TestData(2 * 1024 * 1024 + 4099);
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    SCOPED_TRACE(static_cast<int>(c));
    std::string whole = Compress(c, -1, data, data.size());
    for (size_t piece : {size_t{7}, size_t{4096}, size_t{(1 << 20) + 3}}) {
      EXPECT_TRUE(Compress(c, -1, data, piece) == whole) << "piece " << piece;
    }
    EXPECT_TRUE(Compress(c, -1, data, data.size()) == whole);
  }
}

TEST(CompressWriter, WriteAfterCloseFailsAndCloseIsIdempotent) {
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    StringWriter sink;
    auto w = CompressWriter::Open(sink, c);
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->Write(AsBytes("abc")));
    ASSERT_TRUE((*w)->Close());
    size_t size = sink.str().size();
    EXPECT_TRUE((*w)->Close());
    EXPECT_EQ(sink.str().size(), size);
    auto r = (*w)->Write(AsBytes("more"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  }
}

class FailingWriter : public Writer {
 public:
  Result<void> Write(std::span<const std::byte>) override {
    return MakeError(ErrorCode::kIo, "disk full");
  }
};

TEST(CompressWriter, SinkErrorsPropagate) {
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    FailingWriter sink;
    auto w = CompressWriter::Open(sink, c);
    ASSERT_TRUE(w);
    const std::string data = TestData(1 << 20);
    auto wr = (*w)->Write(AsBytes(data));
    auto r = wr ? (*w)->Close() : wr;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kIo);
  }
}

}  // namespace
}  // namespace berth::store
