// UnpackLayer: each file type and attribute, changeset rules (later entries win), whiteouts in
// overlay form, digests and the size limit. Table-driven: each case is a layer and the exact
// tree it must produce. Cases that need root (devices, trusted xattrs, chown) probe first.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

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
      {"MissingParentsAre0755", {File("p/q/r", "r")}, {XDir("p"), XDir("p/q"), XFile("p/q/r", "r")}},
      {"DotSlashAndAbsoluteNames",
       {File("./a", "1"), File("/b", "2"), File("c/./d/../e", "3")},
       {XFile("a", "1"), XFile("b", "2"), XDir("c"), XFile("c/e", "3")}},
      {"SpecialModeBits",
       {File("suid", "x", 04755), File("sgid", "x", 02755), Dir("sticky", 01777),
        File("ro", "x", 0400), File("none", "x", 0), Dir("locked", 0), File("rwx", "x", 0777)},
       {XFile("suid", "x", 04755), XFile("sgid", "x", 02755), XDir("sticky", 01777),
        XFile("ro", "x", 0400), XFile("none", "x", 0), XDir("locked", 0),
        XFile("rwx", "x", 0777)}},
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
      {"DuplicateFileLaterWins", {File("a", "one"), File("a", "two", 0600)}, {XFile("a", "two", 0600)}},
      {"DuplicateDirsMerge",
       {Dir("d", 0700), File("d/f", "f"), Dir("d", 0755)},
       {XDir("d", 0755), XFile("d/f", "f")}},
      {"DirReplacedByFile",
       {Dir("d"), File("d/f", "f"), File("d", "now a file")},
       {XFile("d", "now a file")}},
      {"FileReplacedByDir",
       {File("d", "file"), Dir("d", 0711), File("d/f", "f")},
       {XDir("d", 0711), XFile("d/f", "f")}},
      {"SymlinkReplacedBySymlink",
       {Symlink("l", "one"), Symlink("l", "two")},
       {XLink("l", "two")}},
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
      {"Plain", {Whiteout("gone"), Whiteout("d/gone")},
       {XWhiteout("gone"), XDir("d"), XWhiteout("d/gone")}},
      {"OwnerFromHeader", {Owned(Whiteout("gone"), 1000, 1001)}, {XWhiteout("gone", 1000, 1001)}},
      {"OpaqueBeforeEntries", {Dir("d"), Opaque("d"), File("d/f", "f")},
       {opaque(XDir("d")), XFile("d/f", "f")}},
      {"OpaqueAfterEntries", {Dir("d", 0700), File("d/f", "f"), Opaque("d")},
       {opaque(XDir("d", 0700)), XFile("d/f", "f")}},
      {"OpaqueBeforeItsDir", {Opaque("d"), Dir("d", 0700), File("d/f", "f")},
       {opaque(XDir("d", 0700)), XFile("d/f", "f")}},
      {"OpaqueCreatesMissingDirs", {Opaque("x/y")}, {XDir("x"), opaque(XDir("x/y"))}},
      {"NestedOpaque", {Opaque("a"), Opaque("a/b"), File("a/b/c", "c")},
       {opaque(XDir("a")), opaque(XDir("a/b")), XFile("a/b/c", "c")}},
      {"WhiteoutAfterFileIsNoop", {File("a", "x"), Whiteout("a")}, {XFile("a", "x")}},
      {"WhiteoutAfterSymlinkIsNoop", {Symlink("l", "t"), Whiteout("l")}, {XLink("l", "t")}},
      {"WhiteoutOfSameLayerDirMakesItOpaque", {Dir("d"), File("d/f", "f"), Whiteout("d")},
       {opaque(XDir("d")), XFile("d/f", "f")}},
      {"FileReplacesWhiteout", {Whiteout("a"), File("a", "x")}, {XFile("a", "x")}},
      {"DirReplacesWhiteoutAndIsOpaque", {Whiteout("d"), Dir("d", 0700), File("d/f", "f")},
       {opaque(XDir("d", 0700)), XFile("d/f", "f")}},
      {"ImplicitParentReplacesWhiteout", {Whiteout("d"), File("d/f", "f")},
       {opaque(XDir("d")), XFile("d/f", "f")}},
      {"WhiteoutInsideWhitedOutDir", {Whiteout("foo"), Whiteout("foo/bar")},
       {XWhiteout("foo")}},
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

}  // namespace
}  // namespace berth::store::unpack_test
