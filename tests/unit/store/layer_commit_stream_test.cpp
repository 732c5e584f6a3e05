// CommitLayer's output stream: raw tar bytes (pax records only where needed, sorted, no
// atime/ctime, exact end marker), diff_id and digest against the bytes, determinism and
// SOURCE_DATE_EPOCH clamping, and sizes past ustar's 8 GiB limit.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "berth/store/layer_commit.hpp"
#include "unit/store/layer_commit_fixture.hpp"

namespace berth::store::commit_test {
namespace {

// What libarchive normalises away, read from the raw blocks: valid checksums, ustar magic,
// empty owner names, pax headers only where a value does not fit and with sorted records, no
// atime/ctime, and an end of two zero blocks with nothing after them.
struct RawEntry {
  char type;
  std::string name;  // the 100-byte name field
  std::string pax;   // data of the preceding 'x' header, if any
};

uint64_t Octal(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; ++i) v = v * 8 + (p[i] - '0');
  return v;
}

std::vector<RawEntry> RawEntries(const std::string& tar) {
  std::vector<RawEntry> out;
  std::string pax;
  size_t pos = 0;
  while (pos + 512 <= tar.size()) {
    const char* b = tar.data() + pos;
    if (std::string_view(b, 512) == std::string(512, '\0')) {
      EXPECT_EQ(pos + 1024, tar.size()) << "end marker must be two zero blocks, then nothing";
      EXPECT_EQ(tar.substr(pos), std::string(1024, '\0'));
      return out;
    }
    unsigned sum = 0;
    for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)b[i];
    EXPECT_EQ(Octal(b + 148, 8), sum) << "checksum at " << pos;
    EXPECT_EQ(std::string_view(b + 257, 8), std::string_view("ustar\0"
                                                             "00",
                                                             8));
    EXPECT_EQ(std::string_view(b + 265, 64), std::string(64, '\0')) << "uname/gname";
    uint64_t size = Octal(b + 124, 12);
    std::string data = tar.substr(pos + 512, size);
    pos += 512 + (size + 511) / 512 * 512;
    if (b[156] == 'x') {
      pax = data;
      continue;
    }
    out.push_back({b[156], std::string(b, strnlen(b, 100)), pax});
    pax.clear();
  }
  ADD_FAILURE() << "no end-of-archive marker";
  return out;
}

TEST_F(LayerCommitTest, PaxRecordsAreMinimalAndSorted) {
  if (auto why = ProbeXattr("user.probe"); !why.empty()) return SkipOrFail(why);
  const std::string long_name = std::string(101, 'L');
  File("plain", "p");
  File(long_name, "l");
  File("x", "x");
  ASSERT_TRUE(Xattr("x", "user.z", "26"));
  ASSERT_TRUE(Xattr("x", "user.a", std::string("\0\n=", 3)));  // pax values are binary-safe
  Symlink("zlink", "plain");  // last entry is a bare header: any padding would show
  Finish();
  std::string tar;
  ASSERT_TRUE(Commit(&tar, {.compression = Compression::kNone}));
  std::vector<RawEntry> raw = RawEntries(tar);
  ASSERT_EQ(raw.size(), 4u);
  EXPECT_EQ(raw[0].name, long_name.substr(0, 100));
  EXPECT_EQ(raw[0].pax, "111 path=" + long_name + "\n");  // the length counts its own digits
  EXPECT_EQ(raw[1].name, "plain");
  EXPECT_EQ(raw[1].pax, "");
  EXPECT_EQ(raw[2].name, "x");
  EXPECT_EQ(raw[2].pax,
            std::string("27 SCHILY.xattr.user.a=\0\n=\n", 27) + "26 SCHILY.xattr.user.z=26\n");
  EXPECT_EQ(raw[3].name, "zlink");
  EXPECT_EQ(raw[3].type, '2');
  EXPECT_EQ(tar.find("atime"), std::string::npos);
  EXPECT_EQ(tar.find("ctime"), std::string::npos);
}

class LayerCommitDeterminismTest : public LayerCommitTest {
 protected:
  void Build(const std::string& dir, int64_t new_time, int64_t atime) {
    root_ = tmp_.path() / dir;
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    Dir("etc");
    File("etc/old", "old", 0644, 1600000000);
    File("etc/new", "new", 0644, new_time);
    Hardlink("etc/new-link", "etc/new");
    Symlink("etc/sym", "old", new_time);
    Dir("usr", 0755, 1600000000);
    std::string big(300 * 1024, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 5);
    File("usr/big", big, 0755, new_time);
    Dir("usr/many", 0755, new_time);
    for (int i = 0; i < 100; ++i) {
      File("usr/many/f" + std::to_string(i), std::to_string(i), 0644, new_time - i);
    }
    Fifo("usr/pipe", 0600);
    Finish(atime);
  }
};

TEST_F(LayerCommitDeterminismTest, SameTreeTwiceGivesSameBytes) {
  Build("a", kT, kT);
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    std::string first, second;
    auto r1 = Commit(&first, {.compression = c});
    auto r2 = Commit(&second, {.compression = c});
    ASSERT_TRUE(r1 && r2);
    EXPECT_TRUE(first == second) << DumpTree(root_);
    EXPECT_EQ(r1->diff_id, r2->diff_id);
    EXPECT_EQ(r1->digest, r2->digest);
  }
}

TEST_F(LayerCommitDeterminismTest, TimesAboveSourceDateEpochAreClamped) {
  const int64_t epoch = 1650000000;
  Build("a", kT, kT);
  fs::path a = root_;
  Build("b", kT + 86400, kT + 12345);  // later mtimes and atimes; ctimes differ anyway
  fs::path b = root_;
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    std::string out_a, out_b;
    auto ra = CommitAt(a, &out_a, {.compression = c, .source_date_epoch = epoch});
    auto rb = CommitAt(b, &out_b, {.compression = c, .source_date_epoch = epoch});
    ASSERT_TRUE(ra && rb);
    EXPECT_EQ(ra->diff_id, rb->diff_id) << DumpTree(a) << "\n" << DumpTree(b);
    EXPECT_EQ(ra->digest, rb->digest);
    EXPECT_TRUE(out_a == out_b);
  }
  std::string out_a, out_b;
  auto ra = CommitAt(a, &out_a, {.compression = Compression::kNone});
  auto rb = CommitAt(b, &out_b, {.compression = Compression::kNone});
  ASSERT_TRUE(ra && rb);
  EXPECT_NE(ra->diff_id, rb->diff_id) << "unclamped commits of different mtimes must differ";

  ASSERT_TRUE(CommitAt(b, &out_b, {.compression = Compression::kNone, .source_date_epoch = epoch}));
  for (const std::string& line : ListTar(out_b)) {
    bool old = line.starts_with("etc/old ") || line.starts_with("usr/ ");
    EXPECT_NE(line.find(old ? " 1600000000" : " 1650000000"), std::string::npos) << line;
  }
}

// diff_id is the sha256 of the tar, digest that of the bytes written; one pass gives both.
TEST_F(LayerCommitTest, DigestsDescribeTheBytes) {
  Dir("d");
  File("d/f", std::string(100000, 'q'));
  Finish();
  const struct {
    Compression c;
    std::string_view media_type;
  } cases[] = {{Compression::kNone, "application/vnd.oci.image.layer.v1.tar"},
               {Compression::kGzip, "application/vnd.oci.image.layer.v1.tar+gzip"},
               {Compression::kZstd, "application/vnd.oci.image.layer.v1.tar+zstd"}};
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.media_type);
    std::string out;
    auto r = Commit(&out, {.compression = tc.c});
    ASSERT_TRUE(r) << r.error().ToString();
    std::string tar = out;
    if (tc.c != Compression::kNone) {
      std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
      archive_read_support_filter_all(a.get());
      archive_read_support_format_raw(a.get());
      ASSERT_EQ(archive_read_open_memory(a.get(), out.data(), out.size()), ARCHIVE_OK);
      archive_entry* e;
      ASSERT_EQ(archive_read_next_header(a.get(), &e), ARCHIVE_OK);
      tar.clear();
      char buf[65536];
      la_ssize_t n;
      while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) tar.append(buf, n);
      ASSERT_EQ(n, 0);
    }
    EXPECT_EQ(r->diff_id.String(), Sha256String(tar));
    EXPECT_EQ(r->tar_size, tar.size());
    EXPECT_EQ(r->digest.String(), Sha256String(out));
    EXPECT_EQ(r->size, out.size());
    EXPECT_EQ(r->media_type, tc.media_type);
    EXPECT_EQ(r->entries, 2u);
    EXPECT_EQ(tar.size(), 2 * 512 + 100352u + 1024u);  // headers, data, end marker
  }
}

// Keeps the first bytes written, then fails, so a huge layer need not be produced in full.
class HeadWriter : public Writer {
 public:
  Result<void> Write(std::span<const std::byte> data) override {
    if (!head.empty()) return MakeError(ErrorCode::kIo, "enough");
    head.assign(reinterpret_cast<const char*>(data.data()), data.size());
    return Ok();
  }
  std::string head;
};

TEST_F(LayerCommitTest, FilesOf8GiBAndMoreCarryTheirSizeInPax) {
  const uint64_t size = (uint64_t{8} << 30) + 1;
  File("huge", "");
  ASSERT_EQ(::truncate(P("huge").c_str(), static_cast<off_t>(size)), 0) << strerror(errno);
  Finish();
  int fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  HeadWriter sink;
  auto r = CommitLayer(fd, sink, {.compression = Compression::kNone});
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  ASSERT_GE(sink.head.size(), 2048u);
  EXPECT_EQ(sink.head.substr(512, 19), "19 size=8589934593\n");
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  ASSERT_EQ(archive_read_open_memory(a.get(), sink.head.data(), sink.head.size()), ARCHIVE_OK);
  archive_entry* e;
  ASSERT_EQ(archive_read_next_header(a.get(), &e), ARCHIVE_OK);
  EXPECT_STREQ(archive_entry_pathname(e), "huge");
  EXPECT_EQ(static_cast<uint64_t>(archive_entry_size(e)), size);
}

}  // namespace
}  // namespace berth::store::commit_test
