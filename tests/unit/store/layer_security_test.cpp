// Hostile layers: every case is a crafted tarball that tries to reach outside the layer
// directory (REFERENCE.md "Layer extraction: the largest attack surface"). Each unpacks into
// <tmp>/root/dest and asserts that <tmp>/root still holds only dest and an unchanged
// sentinel. Whether a case errors or lands inside (RESOLVE_IN_ROOT "clamps"), both are safe;
// the tests pin down which one berth does.
//
// Every case runs twice: with openat2, and in a child whose seccomp filter makes openat2
// fail with ENOSYS (crun's tests/no_openat2.c trick), which forces the userspace walk.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cstring>

#include "berth/base/strings.hpp"
#include "unpack_fixture.hpp"

namespace berth::store::unpack_test {
namespace {

enum class Resolve { kOpenat2, kUserspaceWalk };

// Makes openat2 fail with ENOSYS in this process (and its threads created later).
bool DenyOpenat2() {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {static_cast<unsigned short>(std::size(filter)), filter};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return false;
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) return false;
  return ::syscall(SYS_openat2, AT_FDCWD, ".", nullptr, 0) < 0 && errno == ENOSYS;
}

class LayerSecurityTest : public UnpackFixture, public ::testing::WithParamInterface<Resolve> {
 protected:
  // Unpacks in this process, or in a child without openat2. The result crosses the pipe as
  // "<code> <message>" ("ok" on success).
  Result<void> Run(const std::vector<TarEntry>& entries) {
    const std::string blob = Tar(entries);
    if (GetParam() == Resolve::kOpenat2) {
      auto r = Unpack(blob);
      if (!r) return std::move(r).error();
      return Ok();
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return SysError("pipe", errno);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      std::string out;
      if (!DenyOpenat2()) {
        out = "deny-openat2-failed";
      } else {
        MemoryReader in(blob);
        auto r = UnpackLayer(in, dest_fd_.get());
        out = r ? "ok" : std::to_string(static_cast<int>(r.error().code)) + " " + r.error().message;
      }
      (void)!::write(fds[1], out.data(), out.size());
      ::_exit(0);
    }
    ::close(fds[1]);
    std::string got;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (got == "ok") return Ok();
    if (got == "deny-openat2-failed" || got.empty()) {
      return MakeError(ErrorCode::kInternal, "child: could not deny openat2: " + got);
    }
    size_t space = got.find(' ');
    return MakeError(static_cast<ErrorCode>(std::stoi(got.substr(0, space))),
                     got.substr(space + 1));
  }

  // The case must fail with kInvalidArgument and a message naming `entry`.
  void ExpectRejected(const Result<void>& r, const std::string& entry) {
    ASSERT_FALSE(r) << "unpacked although " << Quote(entry) << " is hostile";
    EXPECT_NE(r.error().code, ErrorCode::kInternal) << r.error().message;
    EXPECT_NE(r.error().message.find("unpack entry " + Quote(entry)), std::string::npos)
        << "entry " << Quote(entry) << ": " << r.error().message;
  }

  std::string Host(const std::string& rel = "") const { return (root_ / rel).string(); }
};

std::string ParamName(const ::testing::TestParamInfo<Resolve>& info) {
  return info.param == Resolve::kOpenat2 ? "Openat2" : "UserspaceWalk";
}

TEST_P(LayerSecurityTest, DotDotIsClampedAtRoot) {
  auto r = Run({File("../x", "1"), File("a/../../y", "2"), File("../../../../z", "3")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected({XFile("x", "1"), XFile("y", "2"), XFile("z", "3")}));
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, AbsoluteNamesLandInside) {
  auto r = Run({File("/abs/x", "1"), File(Host("sentinel"), "pwned")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(fs::exists(dest_ / "abs/x"));
  EXPECT_TRUE(fs::exists(dest_ / fs::path(Host("sentinel")).relative_path()));
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, SymlinkToSlashThenWriteThroughIt) {
  auto r = Run({Symlink("l", "/"), File("l/etc/x", "1"), File("l/sentinel", "pwned")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected({XLink("l", "/"), XDir("etc"), XFile("etc/x", "1"),
                                XFile("sentinel", "pwned")}));
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, SymlinkUpwardsThenWriteThroughIt) {
  auto r = Run({Symlink("l", "../../.."), File("l/x", "1"), Dir("d"),
                Symlink("d/up", "../../../../"), File("d/up/sentinel", "pwned")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected({XLink("l", "../../.."), XFile("x", "1"), XDir("d"),
                                XLink("d/up", "../../../../"), XFile("sentinel", "pwned")}));
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, SymlinkToHostPathThenWriteThroughIt) {
  // Inside the root the host path does not exist: an error, and nothing written anywhere.
  auto r = Run({Symlink("l", Host()), File("l/sentinel", "pwned")});
  ExpectRejected(r, "l/sentinel");
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, SymlinkReplacedByFileIsNotWrittenThrough) {
  auto r = Run({Symlink("l", Host("sentinel")), File("l", "pwned"), Symlink("m", "../sentinel"),
                File("m", "pwned")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected({XFile("l", "pwned"), XFile("m", "pwned")}));
  ExpectOutsideUntouched();
}

// containerd CVE-2021-32760: a hardlink to a symlink, then metadata through it.
TEST_P(LayerSecurityTest, HardlinkSymlinkChmod) {
  auto r =
      Run({Symlink("l", Host("sentinel")), Hardlink("h", "l", 04777), Symlink("r", "../sentinel"),
           Hardlink("q", "r", 04777), WithXattr(Hardlink("x", "l", 0777), "user.pwned", "1")});
  ASSERT_TRUE(r) << r.error().ToString();
  auto tree = berth::testing::ReadTree(dest_);
  EXPECT_EQ(tree["h"].type, 'l');
  EXPECT_EQ(tree["q"].type, 'l');
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, HardlinkOutsideTheLayerIsRejected) {
  ExpectRejected(Run({Hardlink("h", "../../sentinel")}), "h");
  ExpectRejected(Run({Hardlink("h", Host("sentinel"))}), "h");
  struct stat before, after;
  ASSERT_EQ(::stat("/etc/passwd", &before), 0);
  ExpectRejected(Run({Hardlink("p", "/etc/passwd")}), "p");
  ASSERT_EQ(::stat("/etc/passwd", &after), 0);
  EXPECT_EQ(before.st_nlink, after.st_nlink);
  EXPECT_FALSE(fs::exists(dest_ / "p"));
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, HardlinkThroughSymlinkedParentStaysInside) {
  ExpectRejected(Run({Symlink("l", Host()), Hardlink("h", "l/sentinel")}), "h");
  ExpectRejected(Run({Symlink("e", "/etc"), Hardlink("p", "e/passwd")}), "p");
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, SameLayerHardlinkIsNotWrittenThroughOnReplace) {
  // "a" is replaced, never opened for writing: "b" keeps the first contents.
  auto r = Run({File("a", "one"), Hardlink("b", "a"), File("a", "two")});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected({XFile("a", "two"), XFile("b", "one")}));
}

// umoci CVE-2021-29136: an entry for the root itself may change metadata at most. (A
// regular-file entry named "/" is not among the cases: a trailing slash makes any tar entry a
// directory, for libarchive and GNU tar alike.)
TEST_P(LayerSecurityTest, NonDirectoryForTheRootIsRejected) {
  ExpectRejected(Run({File(".", "x")}), ".");
  ExpectRejected(Run({File("/.", "x")}), "/.");
  ExpectRejected(Run({File("a/..", "x")}), "a/..");
  ExpectRejected(Run({Symlink(".", Host())}), ".");
  ExpectRejected(Run({Symlink("/.", "/")}), "/.");
  ExpectRejected(Run({Fifo("./")}), "./");
  EXPECT_EQ(Actual(), Expected({}));
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, DirectoryForTheRootSetsMetadataOnly) {
  auto r = Run({Dir("./", 0700), File("f", "f"), Dir(".", 0750)});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Lines(std::vector<Expect>{XDir("", 0750), XFile("f", "f")}));
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, InvalidWhiteoutNamesAreRejected) {
  ExpectRejected(Run({File(".wh.")}), ".wh.");
  ExpectRejected(Run({File(".wh..")}), ".wh..");
  ExpectRejected(Run({File(".wh...")}), ".wh...");
  ExpectRejected(Run({Dir("etc"), File("etc/.wh..")}), "etc/.wh..");
  ExpectRejected(Run({File("etc/.wh...")}), "etc/.wh...");
  EXPECT_TRUE(fs::exists(dest_ / "etc"));
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, WhiteoutsThroughSymlinksStayInside) {
  auto r = Run({Symlink("l", Host()), Whiteout("l/sentinel"), Opaque("l")});
  ASSERT_FALSE(r);
  ExpectOutsideUntouched();
  auto tree = berth::testing::ReadTree(root_);
  EXPECT_TRUE(tree[""].xattrs.empty());
}

TEST_P(LayerSecurityTest, DuplicatesAndReplacementsLaterWins) {
  auto r = Run({Dir("d"), File("d/f", "f"), File("d", "file now"), Symlink("s", "/"),
                Dir("s", 0700), File("s/x", "x"), File("t", "t"), Symlink("t", Host("sentinel"))});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Actual(), Expected({XFile("d", "file now"), XDir("s", 0700), XFile("s/x", "x"),
                                XLink("t", Host("sentinel"))}));
  ExpectOutsideUntouched();
}

TEST_P(LayerSecurityTest, SymlinkLoopsFail) {
  ExpectRejected(Run({Symlink("a", "b"), Symlink("b", "a"), File("a/x", "x")}), "a/x");
  ExpectRejected(Run({Symlink("self", "self/x"), File("self/y", "y")}), "self/y");
  ExpectOutsideUntouched();
}

INSTANTIATE_TEST_SUITE_P(Resolvers, LayerSecurityTest,
                         ::testing::Values(Resolve::kOpenat2, Resolve::kUserspaceWalk), ParamName);

}  // namespace
}  // namespace berth::store::unpack_test
