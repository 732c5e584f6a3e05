// UnpackLayer: each file type and attribute, changeset rules (later entries win), whiteouts in
// overlay form, digests and the size limit. Table-driven: each case is a layer and the exact
// tree it must produce. Cases that need root (devices, trusted xattrs, chown) probe first.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <thread>

#include "unpack_fixture.hpp"

namespace berth::store::unpack_test {
namespace {

using berth::testing::Sha256String;

struct TreeCase {
  std::string name;
  std::vector<TarEntry> entries;
  std::vector<Expect> expected;
};

std::string CaseName(const ::testing::TestParamInfo<TreeCase>& info) { return info.param.name; }
void PrintTo(const TreeCase& c, std::ostream* os) { *os << c.name; }

std::vector<TreeCase> UnprivilegedCases() {
  const std::string a100(100, 'a'), b100(100, 'b'), c100(100, 'c');
  const std::string long_path = a100 + "/" + b100 + "/" + c100;  // 302 characters
  return {
      {"RegularFile", {File("a.txt", "hello")}, {XFile("a.txt", "hello")}},
      {"EmptyFile", {File("empty")}, {XFile("empty", "")}},
      {"NestedWithDirEntries",
       {Dir("x", 0750), Dir("x/y"), File("x/y/z", "1", 0600)},
       {XDir("x", 0750), XDir("x/y"), XFile("x/y/z", "1", 0600)}},
      {"MissingParentsAre0755",
       {File("p/q/r", "r")},
       {XDir("p"), XDir("p/q"), XFile("p/q/r", "r")}},
      {"DotSlashAndAbsoluteNames",
       {File("./a", "1"), File("/b", "2"), File("c/./d/../e", "3")},
       {XFile("a", "1"), XFile("b", "2"), XDir("c"), XFile("c/e", "3")}},
      {"SpecialModeBits",
       {File("suid", "x", 04755), File("sgid", "x", 02755), Dir("sticky", 01777),
        File("ro", "x", 0400), File("none", "x", 0), Dir("locked", 0), File("rwx", "x", 0777)},
       {XFile("suid", "x", 04755), XFile("sgid", "x", 02755), XDir("sticky", 01777),
        XFile("ro", "x", 0400), XFile("none", "x", 0), XDir("locked", 0), XFile("rwx", "x", 0777)}},
      // A setgid directory passes S_ISGID to new subdirectories; the tar says otherwise.
      {"SetgidDirDoesNotLeak",
       {Dir("g", 02775), Dir("g/child", 0755), File("g/f", "f")},
       {XDir("g", 02775), XDir("g/child", 0755), XFile("g/f", "f")}},
      {"Symlinks",
       {Symlink("abs", "/etc/passwd"), Symlink("rel", "../x/y"), Symlink("dangling", "nowhere")},
       {XLink("abs", "/etc/passwd"), XLink("rel", "../x/y"), XLink("dangling", "nowhere")}},
      {"Fifo", {Fifo("pipe", 0640)}, {X('p', "pipe", 0640)}},
      {"PaxLongNames",
       {File(long_path, "long"), Symlink(a100 + "/l", std::string(200, 't')),
        Hardlink(a100 + "/" + b100 + "/h" + std::string(150, 'h'), long_path)},
       {XDir(a100), XDir(a100 + "/" + b100), XFile(long_path, "long"),
        XLink(a100 + "/l", std::string(200, 't')),
        XFile(a100 + "/" + b100 + "/h" + std::string(150, 'h'), "long")}},
      {"UserXattrs",
       {WithXattr(File("f", "x"), "user.one", "1"), WithXattr(Dir("d"), "user.two", "2")},
       {XAttr(XFile("f", "x"), "user.one", "1"), XAttr(XDir("d"), "user.two", "2")}},
      {"OverlayXattrsFromTarDropped",
       {WithXattr(WithXattr(Dir("d"), "user.overlay.opaque", "y"), "user.overlay.redirect", "/x"),
        WithXattr(Dir("t"), "trusted.overlay.opaque", "y")},
       {XDir("d"), XDir("t")}},
      {"UserXattrOpaque", {Dir("d"), Opaque("d")}, {XAttr(XDir("d"), "user.overlay.opaque", "y")}},
      {"DuplicateFileLaterWins",
       {File("a", "one"), File("a", "two", 0600)},
       {XFile("a", "two", 0600)}},
      {"DuplicateDirsMerge",
       {Dir("d", 0700), File("d/f", "f"), Dir("d", 0755)},
       {XDir("d", 0755), XFile("d/f", "f")}},
      {"DirReplacedByFile",
       {Dir("d"), File("d/f", "f"), File("d", "now a file")},
       {XFile("d", "now a file")}},
      {"FileReplacedByDir",
       {File("d", "file"), Dir("d", 0711), File("d/f", "f")},
       {XDir("d", 0711), XFile("d/f", "f")}},
      {"SymlinkReplacedBySymlink", {Symlink("l", "one"), Symlink("l", "two")}, {XLink("l", "two")}},
      {"AufsMetadataSkipped",
       {Dir(".wh..wh.plnk"), File(".wh..wh.plnk/123.456", "x"), File(".wh..wh.aufs")},
       {}},
      {"RootEntryMetadataOnly", {Dir("./", 0755), File("a", "a")}, {XFile("a", "a")}},
  };
}

class UnpackTreeTest : public UnpackFixture, public ::testing::WithParamInterface<TreeCase> {};

TEST_P(UnpackTreeTest, ProducesTree) {
  UnpackOptions options;
  options.user_xattr = GetParam().name == "UserXattrOpaque";
  auto r = Unpack(GetParam().entries, options);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected(GetParam().expected));
  EXPECT_EQ(r->entries, GetParam().entries.size());
  ExpectOutsideUntouched();
}

INSTANTIATE_TEST_SUITE_P(Layers, UnpackTreeTest, ::testing::ValuesIn(UnprivilegedCases()),
                         CaseName);

// Whiteouts become 0/0 character devices (owned per the tar header) and opaque markers the
// trusted.overlay.opaque xattr. Needs CAP_MKNOD and CAP_SYS_ADMIN (trusted.*).
std::vector<TreeCase> WhiteoutCases() {
  const auto opaque = [](Expect x) { return XAttr(std::move(x), "trusted.overlay.opaque", "y"); };
  return {
      {"Plain",
       {Whiteout("gone"), Whiteout("d/gone")},
       {XWhiteout("gone"), XDir("d"), XWhiteout("d/gone")}},
      {"OwnerFromHeader", {Owned(Whiteout("gone"), 1000, 1001)}, {XWhiteout("gone", 1000, 1001)}},
      {"OpaqueBeforeEntries",
       {Dir("d"), Opaque("d"), File("d/f", "f")},
       {opaque(XDir("d")), XFile("d/f", "f")}},
      {"OpaqueAfterEntries",
       {Dir("d", 0700), File("d/f", "f"), Opaque("d")},
       {opaque(XDir("d", 0700)), XFile("d/f", "f")}},
      {"OpaqueBeforeItsDir",
       {Opaque("d"), Dir("d", 0700), File("d/f", "f")},
       {opaque(XDir("d", 0700)), XFile("d/f", "f")}},
      {"OpaqueCreatesMissingDirs", {Opaque("x/y")}, {XDir("x"), opaque(XDir("x/y"))}},
      {"NestedOpaque",
       {Opaque("a"), Opaque("a/b"), File("a/b/c", "c")},
       {opaque(XDir("a")), opaque(XDir("a/b")), XFile("a/b/c", "c")}},
      {"WhiteoutAfterFileIsNoop", {File("a", "x"), Whiteout("a")}, {XFile("a", "x")}},
      {"WhiteoutAfterSymlinkIsNoop", {Symlink("l", "t"), Whiteout("l")}, {XLink("l", "t")}},
      {"WhiteoutOfSameLayerDirMakesItOpaque",
       {Dir("d"), File("d/f", "f"), Whiteout("d")},
       {opaque(XDir("d")), XFile("d/f", "f")}},
      {"FileReplacesWhiteout", {Whiteout("a"), File("a", "x")}, {XFile("a", "x")}},
      {"DirReplacesWhiteoutAndIsOpaque",
       {Whiteout("d"), Dir("d", 0700), File("d/f", "f")},
       {opaque(XDir("d", 0700)), XFile("d/f", "f")}},
      {"ImplicitParentReplacesWhiteout",
       {Whiteout("d"), File("d/f", "f")},
       {opaque(XDir("d")), XFile("d/f", "f")}},
      {"WhiteoutInsideWhitedOutDir", {Whiteout("foo"), Whiteout("foo/bar")}, {XWhiteout("foo")}},
      {"RepeatedWhiteout", {Whiteout("a"), Whiteout("a")}, {XWhiteout("a")}},
      {"OtherWhMetaNamesSkipped", {File(".wh..wh.plnk"), File("d/.wh..wh.orph")}, {}},
  };
}

class UnpackWhiteoutTest : public UnpackFixture, public ::testing::WithParamInterface<TreeCase> {
 protected:
  void SetUp() override {
    UnpackFixture::SetUp();
    BERTH_REQUIRE_PROBE(ProbeMknod(tmp_.path()), "mknod of a 0/0 character device");
    BERTH_REQUIRE_PROBE(ProbeXattr(tmp_.path(), "trusted.berth-probe"), "trusted.* xattrs");
    bool needs_chown = false;
    for (const auto& e : GetParam().entries) needs_chown |= e.uid != Uid() || e.gid != Gid();
    if (needs_chown) BERTH_REQUIRE_PROBE(ProbeChown(tmp_.path()), "chown to other ids");
  }
};

TEST_P(UnpackWhiteoutTest, ProducesOverlayForm) {
  auto r = Unpack(GetParam().entries);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected(GetParam().expected));
  ExpectOutsideUntouched();
}

INSTANTIATE_TEST_SUITE_P(Layers, UnpackWhiteoutTest, ::testing::ValuesIn(WhiteoutCases()),
                         CaseName);

// --- Digests, stream handling and limits ---------------------------------------------------

TEST_F(UnpackFixture, DigestsForEachCompression) {
  const std::vector<TarEntry> entries = {Dir("d"), File("d/f", std::string(100000, 'x'))};
  const std::string tar = Tar(entries);
  for (auto [c, expected] : std::vector<std::pair<TarCompression, Compression>>{
           {TarCompression::kNone, Compression::kNone},
           {TarCompression::kGzip, Compression::kGzip},
           {TarCompression::kZstd, Compression::kZstd}}) {
    const std::string blob = Tar(entries, c);
    auto r = Unpack(blob);
    ASSERT_TRUE(r) << CompressionName(expected) << ": " << r.error().ToString();
    EXPECT_EQ(r->compression, expected);
    EXPECT_EQ(r->diff_id.String(), Sha256String(tar)) << CompressionName(expected);
    EXPECT_EQ(r->tar_size, tar.size());
    EXPECT_EQ(r->blob_digest.String(), Sha256String(blob));
    EXPECT_EQ(r->blob_size, blob.size());
    EXPECT_EQ(r->entries, 2u);
  }
}

// umoci 0.4.7 and containerd hash the whole uncompressed stream, not just up to the
// end-of-archive blocks; a diff_id computed otherwise would not match the config's.
TEST_F(UnpackFixture, TrailingDataAfterEndOfArchiveIsHashed) {
  const std::string tar = Tar({File("a", "a")}) + std::string(4096, '\0') + "trailing garbage";
  for (const std::string& blob : {tar, GzipBytes(tar), ZstdBytes(tar)}) {
    auto r = Unpack(blob);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(r->diff_id.String(), Sha256String(tar));
    EXPECT_EQ(r->tar_size, tar.size());
    EXPECT_EQ(r->blob_digest.String(), Sha256String(blob));
    EXPECT_EQ(r->blob_size, blob.size());
  }
}

TEST_F(UnpackFixture, EmptyStreamIsAnEmptyLayer) {
  auto r = Unpack(std::string());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->entries, 0u);
  EXPECT_EQ(r->diff_id.String(), Sha256String(""));
  auto zeros = Unpack(std::string(1024, '\0'));
  ASSERT_TRUE(zeros) << zeros.error().ToString();
  EXPECT_EQ(zeros->entries, 0u);
}

TEST_F(UnpackFixture, SizeLimit) {
  const std::string tar = Tar({File("big", std::string(100000, 'x'))});
  UnpackOptions options;
  options.max_uncompressed_bytes = tar.size();
  EXPECT_TRUE(Unpack(tar, options)) << "exactly at the limit is fine";
  options.max_uncompressed_bytes = 50000;
  auto r = Unpack(tar, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("layer exceeds 50000 bytes uncompressed"), std::string::npos)
      << r.error().message;
}

TEST_F(UnpackFixture, DecompressionBombStopsAtLimit) {
  // 8 MiB of zeros is ~8 KiB of gzip.
  const std::string blob = Tar({File("zeros", std::string(8 << 20, '\0'))}, TarCompression::kGzip);
  UnpackOptions options;
  options.max_uncompressed_bytes = 1 << 20;
  auto r = Unpack(blob, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("bytes uncompressed"), std::string::npos) << r.error().message;
  struct stat st;
  if (::stat((dest_ / "zeros").c_str(), &st) == 0) {
    EXPECT_LE(st.st_size, 1 << 20);
  }
}

TEST_F(UnpackFixture, CorruptOrTruncatedInputFails) {
  const std::string tar = Tar({File("a", std::string(10000, 'a')), File("b", "b")});
  const std::string gz = Tar({File("a", std::string(10000, 'a'))}, TarCompression::kGzip);
  struct Bad {
    std::string what, blob;
  };
  for (const Bad& bad : std::vector<Bad>{{"not a tar", std::string(2048, 'z')},
                                         {"tar cut in file data", tar.substr(0, 3000)},
                                         {"tar cut in a header", tar.substr(0, 512 + 10240 + 100)},
                                         {"gzip cut short", gz.substr(0, gz.size() - 10)}}) {
    auto r = Unpack(bad.blob);
    ASSERT_FALSE(r) << bad.what;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument)
        << bad.what << ": " << r.error().ToString();
  }
}

// Returns `data`, then fails the way a dropped connection does.
class FailingReader : public Reader {
 public:
  FailingReader(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    if (pos_ == data_.size()) return MakeError(ErrorCode::kNetwork, "read body: connection reset");
    size_t n = std::min(buf.size(), data_.size() - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

TEST_F(UnpackFixture, SourceErrorIsReportedNotMaskedByTheTarReader) {
  const std::string tar = Tar({File("a", std::string(100000, 'a')), File("b", "b")});
  for (const std::string& blob :
       {tar, Tar({File("a", std::string(100000, 'a'))}, TarCompression::kGzip)}) {
    FailingReader in(blob.substr(0, blob.size() / 2));
    auto r = UnpackLayer(in, dest_fd_.get());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNetwork) << r.error().ToString();
    EXPECT_NE(r.error().message.find("connection reset"), std::string::npos);
  }
}

TEST_F(UnpackFixture, EarlyEntryErrorStopsWithoutReadingTheRest) {
  // The read-ahead thread is still busy with the 32 MiB file when the first entry fails.
  const std::string blob = Tar({File(".", "x"), File("big", std::string(32 << 20, 'b'))});
  auto r = Unpack(blob);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unpack entry '.'"), std::string::npos) << r.error().message;
}

TEST_F(UnpackFixture, DeepPathsWithoutDirEntries) {
  // Each missing parent costs one openat, not a resolution from the root. (Kept to 200 levels
  // because removing the tree afterwards is slow.)
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "d/";
  std::vector<TarEntry> entries;
  for (int i = 0; i < 50; ++i) entries.push_back(File(deep + "e" + std::to_string(i) + "/f", "f"));
  auto r = Unpack(entries);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->entries, 50u);
  UniqueFd fd(::openat(dest_fd_.get(), (deep + "e49/f").c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_TRUE(fd.valid());
}

// --- Attributes ----------------------------------------------------------------------------

TEST_F(UnpackFixture, MtimesIncludingDirectoriesWithLaterChildren) {
  auto at = [](TarEntry e, int64_t t) {
    e.mtime = t;
    return e;
  };
  auto r = Unpack({at(Dir("./"), 1000000000), at(Dir("d"), 1100000000), at(Dir("d/e"), 1200000000),
                   at(File("d/e/f", "f"), 1300000000), at(Symlink("d/l", "x"), 1400000000),
                   at(Fifo("d/p"), 1500000000), at(File("d/g", "g"), 1600000000)});
  ASSERT_TRUE(r) << r.error().ToString();
  auto tree = berth::testing::ReadTree(dest_);
  EXPECT_EQ(tree[""].mtime, 1000000000);
  EXPECT_EQ(tree["d"].mtime, 1100000000);
  EXPECT_EQ(tree["d/e"].mtime, 1200000000);
  EXPECT_EQ(tree["d/e/f"].mtime, 1300000000);
  EXPECT_EQ(tree["d/l"].mtime, 1400000000);
  EXPECT_EQ(tree["d/p"].mtime, 1500000000);
  EXPECT_EQ(tree["d/g"].mtime, 1600000000);
}

TEST_F(UnpackFixture, HardlinksShareTheInode) {
  auto r = Unpack({File("a", "data"), Hardlink("b", "a"), Hardlink("./c", "/a"), Symlink("l", "a"),
                   Hardlink("m", "l"), Hardlink("a", "a")});
  ASSERT_TRUE(r) << r.error().ToString();
  auto tree = berth::testing::ReadTree(dest_);
  EXPECT_EQ(tree["a"].ino, tree["b"].ino);
  EXPECT_EQ(tree["a"].ino, tree["c"].ino);
  // A link to a symlink links the symlink itself, never what it points to.
  EXPECT_EQ(tree["m"].type, 'l');
  EXPECT_EQ(tree["m"].ino, tree["l"].ino);
  struct stat st;
  ASSERT_EQ(::stat((dest_ / "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 3u);
}

TEST_F(UnpackFixture, HardlinkTargetMustExistInLayer) {
  auto r = Unpack({File("a", "a"), Hardlink("b", "missing")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("unpack entry 'b'"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("'missing'"), std::string::npos) << r.error().message;

  auto dir = Unpack({Dir("d"), Hardlink("h", "d")});
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("unpack entry 'h'"), std::string::npos);
}

TEST_F(UnpackFixture, SparseFile) {
  // libarchive's pax writer stores a sparse map (GNU.sparse 1.0) when told where the data is;
  // the caller still passes the whole logical contents.
  const size_t kSize = 3 << 20;
  std::string contents(kSize, '\0');
  std::fill_n(contents.begin(), 4096, 'a');
  std::fill_n(contents.begin() + (1 << 20), 4096, 'b');
  std::string tar;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_open(a, &tar, nullptr, AppendTo, nullptr);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "sparse");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_uid(e, Uid());
  archive_entry_set_gid(e, Gid());
  archive_entry_set_size(e, kSize);
  archive_entry_sparse_add_entry(e, 0, 4096);
  archive_entry_sparse_add_entry(e, 1 << 20, 4096);
  ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
  archive_write_data(a, contents.data(), contents.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  ASSERT_LT(tar.size(), size_t{64 << 10}) << "libarchive did not write a sparse entry";

  auto r = Unpack(tar);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected({XFile("sparse", contents)}));
  struct stat st;
  ASSERT_EQ(::stat((dest_ / "sparse").c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, static_cast<blkcnt_t>(kSize)) << "holes were written as zeros";
}

TEST_F(UnpackFixture, OwnersModesAndCapabilities) {
  BERTH_REQUIRE_PROBE(ProbeChown(tmp_.path()), "chown to other ids");
  // VFS_CAP_REVISION_2 with cap_net_raw (bit 13) permitted and effective.
  const std::string cap(
      "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00",
      20);
  BERTH_REQUIRE_PROBE(ProbeXattr(tmp_.path(), "trusted.berth-probe"), "root xattrs");
  auto r = Unpack(
      {Owned(Dir("home", 0750), 1000, 1000), Owned(File("home/suid", "x", 04755), 1000, 100),
       Owned(File("home/sgid", "x", 02711), 1000, 100),
       Owned(Symlink("home/l", "suid"), 1000, 1001), Owned(Fifo("home/p", 0600), 7, 8),
       Owned(WithXattr(File("ping", "elf", 0755), "security.capability", cap), 0, 0),
       Owned(WithXattr(File("cap-owned", "elf", 0750), "security.capability", cap), 1000, 1000)});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(
      Actual(),
      Expected({XDir("home", 0750, 1000, 1000), XFile("home/suid", "x", 04755, 1000, 100),
                XFile("home/sgid", "x", 02711, 1000, 100),
                [] {
                  auto x = XLink("home/l", "suid");
                  x.entry.uid = 1000;
                  x.entry.gid = 1001;
                  return x;
                }(),
                X('p', "home/p", 0600, 7, 8),
                XAttr(XFile("ping", "elf", 0755, 0, 0), "security.capability", cap),
                XAttr(XFile("cap-owned", "elf", 0750, 1000, 1000), "security.capability", cap)}));
}

TEST_F(UnpackFixture, XattrsOnSymlinksAndFifos) {
  BERTH_REQUIRE_PROBE(ProbeXattr(tmp_.path(), "trusted.berth-probe"), "trusted.* xattrs");
  // user.* is not allowed on symlinks or fifos (the kernel says EPERM): skipped, as Docker
  // does, rather than failing the layer.
  auto r = Unpack({WithXattr(WithXattr(Symlink("l", "t"), "trusted.l", "1"), "user.l", "2"),
                   WithXattr(Fifo("p"), "trusted.p", "3")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected({XAttr(XLink("l", "t"), "trusted.l", "1"),
                                XAttr(X('p', "p", 0644), "trusted.p", "3")}));
}

TEST_F(UnpackFixture, Devices) {
  BERTH_REQUIRE_PROBE(ProbeMknod(tmp_.path()), "mknod");
  auto r = Unpack({Device('3', "null", 1, 3), Device('4', "sda", 8, 0, 0660)});
  ASSERT_TRUE(r) << r.error().ToString();
  auto null = X('c', "null", 0666);
  null.entry.rdev_major = 1;
  null.entry.rdev_minor = 3;
  auto sda = X('b', "sda", 0660);
  sda.entry.rdev_major = 8;
  EXPECT_EQ(Actual(), Expected({null, sda}));
}

TEST(UnpackParallelTest, LayersUnpackConcurrently) {
  std::vector<TarEntry> entries;
  for (int d = 0; d < 10; ++d) {
    entries.push_back(Dir("d" + std::to_string(d)));
    for (int f = 0; f < 30; ++f) {
      entries.push_back(File("d" + std::to_string(d) + "/f" + std::to_string(f),
                             std::string(static_cast<size_t>(f * 37), 'x'), 0640 + (f % 2)));
    }
  }
  const std::string blob = Tar(entries, TarCompression::kGzip);
  auto tmp = TempDir::Create(fs::temp_directory_path(), "berth-unpack-par-");
  ASSERT_TRUE(tmp);
  constexpr int kThreads = 4;
  std::vector<Result<UnpackStats>> results(kThreads, Error{});
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    fs::create_directory(tmp->path() / std::to_string(i));
    threads.emplace_back([&, i] {
      UniqueFd fd(::open((tmp->path() / std::to_string(i)).c_str(), O_RDONLY | O_DIRECTORY));
      MemoryReader in(blob);
      results[i] = UnpackLayer(in, fd.get());
    });
  }
  for (auto& t : threads) t.join();
  const std::string first = Lines(berth::testing::ReadTree(tmp->path() / "0"));
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(results[i]) << results[i].error().ToString();
    EXPECT_EQ(results[i]->entries, entries.size());
    EXPECT_EQ(Lines(berth::testing::ReadTree(tmp->path() / std::to_string(i))), first);
  }
}

}  // namespace
}  // namespace berth::store::unpack_test
