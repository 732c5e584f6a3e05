#include "berth/runner/exec_user.hpp"

#include <gtest/gtest.h>
#include <unistd.h>


#include "rootfs_fixture.hpp"
#include "support/without_openat2.hpp"

namespace berth::runner {
namespace {

using berth::testing::RootFs;

// Shaped like alpine's files: root is listed in several groups, as docker's famous
// `docker run alpine id` output shows.
constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/ash\n"
    "daemon:x:2:2:daemon:/sbin:/sbin/nologin\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
    "nohome:x:1002:1002::::\n"
    "alice:x:1001:1001:second alice:/nowhere:/bin/sh\n";
constexpr const char* kGroup =
    "root:x:0:root\n"
    "bin:x:1:root,bin,daemon\n"
    "daemon:x:2:root,bin,daemon\n"
    "wheel:x:10:root,alice\n"
    "alice:x:1000:\n"
    "audio:x:29:alice\n"
    "staff:x:50:\n"
    "500:x:77:\n"  // a group named like a number
    "wheel2:x:10:alice\n";

class ExecUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("etc/passwd", kPasswd);
    root_.Write("etc/group", kGroup);
  }
  Result<ExecUser> Resolve(std::string_view spec) {
    return ResolveExecUserInRoot(spec, root_.fd());
  }
  RootFs root_;
};

TEST_F(ExecUserTest, EmptySpecIsRootWithRootsGroupsAndHome) {
  auto u = Resolve("");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(*u, (ExecUser{0, 0, {0, 1, 2, 10}, "/root"}));
}

TEST_F(ExecUserTest, NameGivesUidGidHomeAndMemberGroupsWithoutDuplicates) {
  auto u = Resolve("alice");
  ASSERT_TRUE(u) << u.error().ToString();
  // wheel and wheel2 share gid 10: one entry. The primary gid comes first.
  EXPECT_EQ(*u, (ExecUser{1000, 1000, {1000, 10, 29}, "/home/alice"}));
}

TEST_F(ExecUserTest, FirstPasswdEntryWins) {
  auto u = Resolve("alice");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->uid, 1000u);
}

TEST_F(ExecUserTest, NumericUidWithEntryUsesTheEntry) {
  auto u = Resolve("2");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(*u, (ExecUser{2, 2, {2, 1}, "/sbin"}));
}

TEST_F(ExecUserTest, NumericUidWithoutEntryRunsWithGidZeroAndHomeSlash) {
  auto u = Resolve("4242");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(*u, (ExecUser{4242, 0, {0}, "/"}));
}

TEST_F(ExecUserTest, EmptyHomeFieldBecomesSlash) {
  auto u = Resolve("nohome");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->home, "/");
}

TEST_F(ExecUserTest, UidColonGidNeedsNoEntries) {
  auto u = Resolve("4242:4343");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(*u, (ExecUser{4242, 4343, {4343}, "/"}));
}

TEST_F(ExecUserTest, ExplicitGroupReplacesGidAndDropsSupplementaryGroups) {
  // runc's GetExecUser (docker and podman): supplementary groups only in the implicit form.
  auto by_name = Resolve("alice:staff");
  ASSERT_TRUE(by_name) << by_name.error().ToString();
  EXPECT_EQ(*by_name, (ExecUser{1000, 50, {50}, "/home/alice"}));

  auto by_gid = Resolve("alice:29");
  ASSERT_TRUE(by_gid) << by_gid.error().ToString();
  EXPECT_EQ(*by_gid, (ExecUser{1000, 29, {29}, "/home/alice"}));

  auto uid_group = Resolve("1000:wheel");
  ASSERT_TRUE(uid_group) << uid_group.error().ToString();
  EXPECT_EQ(*uid_group, (ExecUser{1000, 10, {10}, "/home/alice"}));

  auto unknown_gid = Resolve("alice:9999");
  ASSERT_TRUE(unknown_gid) << unknown_gid.error().ToString();
  EXPECT_EQ(unknown_gid->gid, 9999u);
}

TEST_F(ExecUserTest, NumericGroupIsAGidNotAName) {
  // A group named "500" exists with gid 77; "500" still means gid 500.
  auto u = Resolve("alice:500");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->gid, 500u);
}

TEST_F(ExecUserTest, EmptyGroupAfterColonIsTheImplicitForm) {
  auto u = Resolve("alice:");
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, (ExecUser{1000, 1000, {1000, 10, 29}, "/home/alice"}));
}

TEST_F(ExecUserTest, GroupOnlyKeepsRoot) {
  auto u = Resolve(":staff");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(*u, (ExecUser{0, 50, {50}, "/root"}));
}

TEST_F(ExecUserTest, UnknownNamesFailWithDockersWords) {
  auto user = Resolve("mallory");
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(user.error().message,
            "unable to find user mallory: no matching entries in passwd file");

  auto group = Resolve("alice:nogroup");
  ASSERT_FALSE(group);
  EXPECT_EQ(group.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(group.error().message,
            "unable to find group nogroup: no matching entries in group file");
}

TEST_F(ExecUserTest, OutOfRangeIdsFail) {
  for (const char* spec : {"-1", "2147483648", "0:-5", "0:2147483648"}) {
    auto u = Resolve(spec);
    ASSERT_FALSE(u) << spec;
    EXPECT_EQ(u.error().code, ErrorCode::kInvalidArgument) << spec;
    EXPECT_EQ(u.error().message, "uids and gids must be in range 0-2147483647") << spec;
  }
  auto max = Resolve("2147483647:2147483647");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->uid, 2147483647u);
}

TEST(ExecUserNoFilesTest, MissingFilesAllowNumbersButNotNames) {
  RootFs root;
  auto numeric = ResolveExecUserInRoot("123:456", root.fd());
  ASSERT_TRUE(numeric) << numeric.error().ToString();
  EXPECT_EQ(*numeric, (ExecUser{123, 456, {456}, "/"}));

  auto empty = ResolveExecUserInRoot("", root.fd());
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, (ExecUser{0, 0, {0}, "/"}));

  // The host has root and daemon; the container has no passwd file.
  auto name = ResolveExecUserInRoot("daemon", root.fd());
  ASSERT_FALSE(name);
  EXPECT_EQ(name.error().code, ErrorCode::kInvalidArgument);
  auto group = ResolveExecUserInRoot("0:root", root.fd());
  ASSERT_FALSE(group);
}

TEST(ExecUserInRootTest, AbsoluteSymlinkOutOfTheRootResolvesInsideIt) {
  RootFs root;
  // The "host" file the image points at, and a same-named path inside the rootfs.
  root.WriteOutside("host/passwd", "mallory:x:0:0::/root:/bin/sh\n");
  root.Write("host/passwd", "mallory:x:5000:5000::/jail:/bin/sh\n");
  root.Symlink("etc/passwd", "/../../../../../host/passwd");
  auto u = ResolveExecUserInRoot("mallory", root.fd());
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->uid, 5000u);
  EXPECT_EQ(u->home, "/jail");
}

TEST(ExecUserInRootTest, RelativeSymlinkOutOfTheRootNeverReachesTheHostFile) {
  RootFs root;
  root.WriteOutside("shadow", "mallory:x:0:0::/root:/bin/sh\n");
  // rootfs/etc/passwd -> ../../shadow would be <tmp>/shadow from the host's point of view.
  root.Symlink("etc/passwd", "../../shadow");
  auto u = ResolveExecUserInRoot("mallory", root.fd());
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message, "unable to find user mallory: no matching entries in passwd file");
}

TEST(ExecUserInRootTest, SymlinkedEtcDirectoryStaysInside) {
  RootFs root;
  root.WriteOutside("etc/passwd", "mallory:x:0:0::/root:/bin/sh\n");
  root.Write("realetc/passwd", "mallory:x:6000:6000::/in:/bin/sh\n");
  root.Symlink("etc", (root.outside() / "etc").string());  // an absolute host path
  auto escaped = ResolveExecUserInRoot("mallory", root.fd());
  ASSERT_FALSE(escaped);  // <rootfs>/<tmp>/etc/passwd does not exist

  RootFs root2;
  root2.Write("realetc/passwd", "mallory:x:6000:6000::/in:/bin/sh\n");
  root2.Symlink("etc", "/realetc");
  auto inside = ResolveExecUserInRoot("mallory", root2.fd());
  ASSERT_TRUE(inside) << inside.error().ToString();
  EXPECT_EQ(inside->uid, 6000u);
}

TEST(ExecUserInRootTest, SymlinkToTheHostsOwnPasswdPathIsALoopNotTheHostFile) {
  RootFs root;
  // In the root, /etc/passwd -> ../../../../etc/passwd is /etc/passwd itself.
  root.Symlink("etc/passwd", "../../../../../../../../etc/passwd");
  auto u = ResolveExecUserInRoot("daemon", root.fd());
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().sys_errno, ELOOP);
}

TEST(ExecUserInRootTest, FifoIsRefusedWithoutBlocking) {
  RootFs root;
  root.Fifo("etc/passwd");
  auto u = ResolveExecUserInRoot("", root.fd());
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ErrorCode::kInvalidArgument);
}

TEST(ExecUserInRootTest, DirectoryInsteadOfFileIsAnError) {
  RootFs root;
  ASSERT_TRUE(MakeDirs(root.root() / "etc/group"));
  auto u = ResolveExecUserInRoot("", root.fd());
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ErrorCode::kInvalidArgument);
}

using ::berth::testing::RunWithoutOpenat2;

TEST(ExecUserInRootTest, WithoutOpenat2PlainFilesStillResolve) {
  RootFs root;
  root.Write("etc/passwd", "app:x:1000:1000::/home/app:/bin/sh\n");
  root.Write("etc/group", "wheel:x:10:app\n");
  EXPECT_EQ(RunWithoutOpenat2([&] {
              auto u = ResolveExecUserInRoot("app", root.fd());
              if (!u) return 1;
              return *u == ExecUser{1000, 1000, {1000, 10}, "/home/app"} ? 0 : 2;
            }),
            0);
}

TEST(ExecUserInRootTest, WithoutOpenat2SymlinksAreRefusedNotFollowed) {
  RootFs root;
  root.WriteOutside("shadow", "mallory:x:0:0::/root:/bin/sh\n");
  root.Symlink("etc/passwd", "../../shadow");
  EXPECT_EQ(RunWithoutOpenat2([&] {
              auto u = ResolveExecUserInRoot("mallory", root.fd());
              return !u && u.error().sys_errno == ELOOP ? 0 : 1;
            }),
            0);

  RootFs root2;
  root2.WriteOutside("etc/passwd", "mallory:x:0:0::/root:/bin/sh\n");
  root2.Symlink("etc", (root2.outside() / "etc").string());
  EXPECT_EQ(RunWithoutOpenat2([&] {
              auto u = ResolveExecUserInRoot("mallory", root2.fd());
              return !u && u.error().sys_errno == ELOOP ? 0 : 1;
            }),
            0);
}

}  // namespace
}  // namespace berth::runner
