// CommitLayer: what each kind of tree entry becomes in the tar (file types, modes, owners,
// hardlinks, whiteouts, opaque dirs, xattrs, long names), asserted as the exact entry list.
#include "berth/store/layer_commit.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "unit/store/layer_commit_fixture.hpp"

namespace berth::store::commit_test {
namespace {

TEST_F(LayerCommitTest, EveryFileTypeInWalkOrder) {
  const std::string long_name = "long/" + std::string(120, 'n');
  const std::string long_target = "/" + std::string(150, 't');
  Dir("bin");
  File("bin/sh", "#!", 04755);
  Symlink("bin/bash", "sh");
  File("bin/wall", "", 02755);
  Hardlink("a-link", "bin/sh");  // sorts before bin/: the file is a-link, bin/sh links to it
  Dir("etc", 0750);
  File("etc/passwd", "root:x:0:0\n", 0644, 1234567890);
  Hardlink("etc/passwd-", "etc/passwd");
  Dir("data", 0700);
  for (const char* n : {"z", "\xc3\xa9", ".dot", "-dash", "Upper"})
    File(std::string("data/") + n, n);
  File("data/b512", std::string(512, 'a'));
  File("data/b513", std::string(513, 'b'), 0400);
  Symlink("lib", "/usr/lib");  // dangling and absolute: recorded, never followed
  Dir("long");
  File(long_name, "x");
  Symlink("long/link", long_target);
  Dir("run");
  Fifo("run/fifo", 0620);
  {
    int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{.sun_family = AF_UNIX};
    std::string sp = P("run/sock");
    ASSERT_LT(sp.size(), sizeof addr.sun_path);
    std::memcpy(addr.sun_path, sp.c_str(), sp.size() + 1);
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(s);
  }
  Dir("tmp", 01777);
  Finish();
  const std::string u = Ids();
  const std::vector<std::string> want = {
      "a-link f 4755 " + u + " 1700000000 size=2 data=#!",
      "bin/ d 0755 " + u + " 1700000000",
      "bin/bash l 0777 " + u + " 1700000000 -> sh",
      "bin/sh h 4755 " + u + " 1700000000 => a-link",
      "bin/wall f 2755 " + u + " 1700000000 size=0 data=",
      "data/ d 0700 " + u + " 1700000000",
      "data/-dash f 0644 " + u + " 1700000000 size=5 data=-dash",
      "data/.dot f 0644 " + u + " 1700000000 size=4 data=.dot",
      "data/Upper f 0644 " + u + " 1700000000 size=5 data=Upper",
      "data/b512 f 0644 " + u + " 1700000000 size=512 " +
          Sha256String(std::string(512, 'a')).substr(7, 12),
      "data/b513 f 0400 " + u + " 1700000000 size=513 " +
          Sha256String(std::string(513, 'b')).substr(7, 12),
      "data/z f 0644 " + u + " 1700000000 size=1 data=z",
      "data/\xc3\xa9 f 0644 " + u + " 1700000000 size=2 data=\\xc3\\xa9",
      "etc/ d 0750 " + u + " 1700000000",
      "etc/passwd f 0644 " + u + " 1234567890 size=11 data=root:x:0:0\\x0a",
      "etc/passwd- h 0644 " + u + " 1234567890 => etc/passwd",
      "lib l 0777 " + u + " 1700000000 -> /usr/lib",
      "long/ d 0755 " + u + " 1700000000",
      "long/link l 0777 " + u + " 1700000000 -> " + long_target,
      long_name + " f 0644 " + u + " 1700000000 size=1 data=x",
      "run/ d 0755 " + u + " 1700000000",
      "run/fifo p 0620 " + u + " 1700000000",
      "tmp/ d 1777 " + u + " 1700000000",
  };
  EXPECT_EQ(CommitAndList(), want) << DumpTree(root_);
}

TEST_F(LayerCommitTest, OwnersDevicesAndLargeIds) {
  if (auto why = ProbeChown(); !why.empty()) return SkipOrFail(why);
  if (auto why = ProbeMknod(1, 3); !why.empty()) return SkipOrFail(why);
  Dir("dev");
  ASSERT_TRUE(Mknod("dev/null", S_IFCHR, 1, 3, 0666));
  ASSERT_TRUE(Mknod("dev/loop0", S_IFBLK, 7, 0, 0660));
  Chown("dev/loop0", 0, 6);
  File("home", "h", 0600);
  Chown("home", 1000, 1000);
  File("big-ids", "b", 0640);
  Chown("big-ids", 3000000, 4000000);  // above ustar's 2097151: carried in pax records
  Symlink("link", "home");
  Chown("link", 7, 8);
  Finish();
  const std::vector<std::string> want = {
      "big-ids f 0640 3000000:4000000 1700000000 size=1 data=b",
      "dev/ d 0755 0:0 1700000000",
      "dev/loop0 b 0660 0:6 1700000000 dev=7:0",
      "dev/null c 0666 0:0 1700000000 dev=1:3",
      "home f 0600 1000:1000 1700000000 size=1 data=h",
      "link l 0777 7:8 1700000000 -> home",
  };
  EXPECT_EQ(CommitAndList(), want) << DumpTree(root_);
}

TEST_F(LayerCommitTest, WhiteoutsAndOpaqueDirectories) {
  if (auto why = ProbeMknod(0, 0); !why.empty()) return SkipOrFail(why);
  if (auto why = ProbeXattr("trusted.overlay.opaque"); !why.empty()) return SkipOrFail(why);
  if (auto why = ProbeChown(); !why.empty()) return SkipOrFail(why);
  ASSERT_TRUE(Mknod("gone", S_IFCHR, 0, 0, 0));
  Dir("etc");
  File("etc/a-file", "a");
  ASSERT_TRUE(Mknod("etc/motd", S_IFCHR, 0, 0, 0));
  Chown("etc/motd", 5, 6);
  // overlayfs (>= 5.8) hardlinks whiteouts to one shared inode; they stay whiteouts.
  Hardlink("etc/issue", "etc/motd");
  File("etc/zz", "z");
  Dir("var", 0711);
  Chown("var", 9, 10);
  ASSERT_TRUE(Xattr("var", "trusted.overlay.opaque", "y"));
  File("var/-first", "f");  // sorts before ".wh..wh..opq", which must still come first
  Dir("var/lib");
  ASSERT_TRUE(Xattr("var/lib", "trusted.overlay.opaque", "y"));
  Dir("opt");
  ASSERT_TRUE(Xattr("opt", "user.overlay.opaque", "y"));
  Dir("srv");  // "x" marks xattr whiteouts inside, not an opaque dir
  ASSERT_TRUE(Xattr("srv", "trusted.overlay.opaque", "x"));
  File("srv/f", "s");
  ASSERT_TRUE(Xattr("srv/f", "trusted.overlay.origin", "\x01\x02"));
  ASSERT_TRUE(Xattr("srv/f", "user.overlay.impure", "y"));
  ASSERT_TRUE(Xattr("srv/f", "trusted.keep", "k"));
  Finish();
  const std::string u = Ids();
  const std::vector<std::string> want = {
      ".wh.gone f 0600 " + u + " 0 size=0 data=",
      "etc/ d 0755 " + u + " 1700000000",
      "etc/.wh.issue f 0600 5:6 0 size=0 data=",
      "etc/.wh.motd f 0600 5:6 0 size=0 data=",
      "etc/a-file f 0644 " + u + " 1700000000 size=1 data=a",
      "etc/zz f 0644 " + u + " 1700000000 size=1 data=z",
      "opt/ d 0755 " + u + " 1700000000",
      "opt/.wh..wh..opq f 0755 " + u + " 0 size=0 data=",
      "srv/ d 0755 " + u + " 1700000000",
      "srv/f f 0644 " + u + " 1700000000 size=1 data=s xattr:trusted.keep=k",
      "var/ d 0711 9:10 1700000000",
      "var/.wh..wh..opq f 0711 9:10 0 size=0 data=",
      "var/-first f 0644 " + u + " 1700000000 size=1 data=f",
      "var/lib/ d 0755 " + u + " 1700000000",
      "var/lib/.wh..wh..opq f 0755 " + u + " 0 size=0 data=",
  };
  EXPECT_EQ(CommitAndList(), want) << DumpTree(root_);
}

TEST_F(LayerCommitTest, OpaqueRootGetsMarkerFirst) {
  if (auto why = ProbeXattr("trusted.overlay.opaque"); !why.empty()) return SkipOrFail(why);
  ASSERT_EQ(::chmod(root_.c_str(), 0755), 0);
  ASSERT_TRUE(Xattr("", "trusted.overlay.opaque", "y"));
  File("-a", "a");
  Finish();
  const std::string u = Ids();
  EXPECT_EQ(CommitAndList(), (std::vector<std::string>{
                                 ".wh..wh..opq f 0755 " + u + " 0 size=0 data=",
                                 "-a f 0644 " + u + " 1700000000 size=1 data=a",
                             }))
      << DumpTree(root_);
}

TEST_F(LayerCommitTest, XattrsArePaxRecords) {
  if (auto why = ProbeXattr("user.probe"); !why.empty()) return SkipOrFail(why);
  if (auto why =
          ProbeXattr("security.capability",
                     std::string("\x00\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                 "\x00\x00\x00\x00",
                                 20));
      !why.empty()) {
    return SkipOrFail(why);
  }
  // security.capability v2: effective bit, CAP_NET_RAW permitted (binary, with NULs).
  const std::string cap(
      "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00",
      20);
  Dir("bin");
  File("bin/ping", "p", 0755);
  ASSERT_TRUE(Xattr("bin/ping", "security.capability", cap));
  ASSERT_TRUE(Xattr("bin/ping", "user.b", "2"));
  ASSERT_TRUE(Xattr("bin/ping", "user.a", "1"));
  ASSERT_TRUE(Xattr("bin/ping", "user.empty", ""));  // pax would read it as "unset": left out
  ASSERT_TRUE(Xattr("bin", "user.dir", std::string(300, 'v')));  // long: pax length digits
  Hardlink("bin/ping2", "bin/ping");                             // a link entry repeats no xattrs
  Finish();
  const std::string u = Ids();
  const std::vector<std::string> want = {
      "bin/ d 0755 " + u + " 1700000000 xattr:user.dir=" + std::string(300, 'v'),
      "bin/ping f 0755 " + u + " 1700000000 size=1 data=p xattr:security.capability=" +
          Escape(cap) + " xattr:user.a=1 xattr:user.b=2",
      "bin/ping2 h 0755 " + u + " 1700000000 => bin/ping",
  };
  EXPECT_EQ(CommitAndList(), want) << DumpTree(root_);
}

TEST_F(LayerCommitTest, RefusesWhatATarCannotSayFaithfully) {
  File(".wh.x", "");
  std::string out;
  auto r = Commit(&out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().ToString();
  ASSERT_EQ(::unlink(P(".wh.x").c_str()), 0);

  if (auto why = ProbeXattr("trusted.overlay.metacopy", ""); !why.empty()) return SkipOrFail(why);
  File("meta", "");
  ASSERT_TRUE(Xattr("meta", "trusted.overlay.metacopy", ""));
  r = Commit(&out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported) << r.error().ToString();
  EXPECT_NE(r.error().message.find("'meta'"), std::string::npos) << r.error().ToString();
}

TEST_F(LayerCommitTest, SourceMustBeADirectory) {
  File("f", "");
  int fd = ::open(P("f").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  StringWriter sink;
  auto r = CommitLayer(fd, sink);
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sys_errno, ENOTDIR) << r.error().ToString();
}

TEST_F(LayerCommitTest, ExcludedPathsAndTheirSubtreesAreLeftOut) {
  Dir("etc");
  File("etc/hosts", "");
  File("etc/hostname", "");
  File("etc/keep", "k");
  Dir("cache");
  File("cache/big", "x");
  Finish();
  std::string tar;
  auto r = Commit(&tar, {.compression = Compression::kNone,
                         .exclude = {"etc/hosts", "etc/hostname", "cache", "missing"}});
  ASSERT_TRUE(r) << r.error().ToString();
  const std::string u = Ids();
  EXPECT_EQ(ListTar(tar), (std::vector<std::string>{
                              "etc/ d 0755 " + u + " 1700000000",
                              "etc/keep f 0644 " + u + " 1700000000 size=1 data=k",
                          }));
}

}  // namespace
}  // namespace berth::store::commit_test
