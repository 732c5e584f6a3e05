#include "berth/builder/content_hash.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "context_fixture.hpp"

namespace berth::builder {
namespace {

class ContentHashTest : public ::testing::Test {
 protected:
  void SetUp() override { Populate(a_); }

  static void Populate(testing::ContextDir& ctx) {
    ctx.Write("app/main.go", "package main\n");
    ctx.Write("app/run.sh", "#!/bin/sh\n", 0755);
    ctx.Write("app/sub/data.bin", std::string("\0\1\2", 3));
    ctx.Symlink("app/link", "sub/data.bin");
    ctx.Write("app/debug.log", "noise");
    ctx.Write("top.txt", "top");
  }

  // The hash of `sources` in `ctx`, or "error: ..." when it fails.
  static std::string Hash(const testing::ContextDir& ctx, const std::vector<std::string>& sources,
                          const std::vector<std::string>& ignore = {"*/*.log"}) {
    auto rules = IgnoreRules::FromPatterns(ignore);
    EXPECT_TRUE(rules);
    auto matched = ResolveContextSources(ctx.fd(), sources, *rules);
    if (!matched) return "error: " + matched.error().message;
    auto h = HashContextSources(ctx.fd(), *matched, *rules);
    if (!h) return "error: " + h.error().message;
    return *h;
  }
  std::string Hash(const std::vector<std::string>& sources = {"app", "top.txt"}) {
    return Hash(a_, sources);
  }
  std::string P(const std::string& rel) { return (a_.root() / rel).string(); }

  testing::ContextDir a_;
};

TEST_F(ContentHashTest, SameTreeGivesSameHashAnywhere) {
  std::string h = Hash();
  ASSERT_EQ(h.size(), 7u + 64u) << h;
  EXPECT_TRUE(h.starts_with("sha256:"));
  EXPECT_EQ(Hash(), h);
  testing::ContextDir b;  // another directory, other inode numbers
  Populate(b);
  EXPECT_EQ(Hash(b, {"app", "top.txt"}), h);
}

TEST_F(ContentHashTest, TimesAndInodesDoNotCount) {
  std::string h = Hash();
  struct timespec times[2] = {{12345, 0}, {67890, 0}};
  for (const char* f : {"app/main.go", "app/sub", "app", "top.txt"}) {
    ASSERT_EQ(::utimensat(AT_FDCWD, P(f).c_str(), times, 0), 0) << f;
  }
  ASSERT_EQ(::utimensat(AT_FDCWD, P("app/link").c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_EQ(Hash(), h);
  // Rewriting a file with the same bytes gives it a new inode and ctime.
  ASSERT_EQ(::unlink(P("app/main.go").c_str()), 0);
  a_.Write("app/main.go", "package main\n");
  EXPECT_EQ(Hash(), h);
}

TEST_F(ContentHashTest, OneByteChangesTheHash) {
  std::string h = Hash();
  a_.Write("app/sub/data.bin", std::string("\0\1\3", 3));
  EXPECT_NE(Hash(), h);
  a_.Write("app/sub/data.bin", std::string("\0\1\2", 3));
  EXPECT_EQ(Hash(), h);
  a_.Write("app/sub/data.bin", std::string("\0\1\2\0", 4));
  EXPECT_NE(Hash(), h);
}

TEST_F(ContentHashTest, ModeBitsChangeTheHash) {
  std::string h = Hash();
  ASSERT_EQ(::chmod(P("app/run.sh").c_str(), 0754), 0);
  EXPECT_NE(Hash(), h);
  ASSERT_EQ(::chmod(P("app/run.sh").c_str(), 04755), 0);
  EXPECT_NE(Hash(), h);
  ASSERT_EQ(::chmod(P("app/run.sh").c_str(), 0755), 0);
  EXPECT_EQ(Hash(), h);
  ASSERT_EQ(::chmod(P("app/sub").c_str(), 0700), 0);
  EXPECT_NE(Hash(), h);
}

TEST_F(ContentHashTest, OwnerChangesTheHash) {
  std::string h = Hash();
  if (::lchown(P("app/main.go").c_str(), 4242, static_cast<gid_t>(-1)) != 0) {
    GTEST_SKIP() << "lchown needs CAP_CHOWN: " << std::strerror(errno);
  }
  std::string uid_changed = Hash();
  EXPECT_NE(uid_changed, h);
  ASSERT_EQ(::lchown(P("app/main.go").c_str(), static_cast<uid_t>(-1), 4343), 0);
  EXPECT_NE(Hash(), uid_changed);
  ASSERT_EQ(::lchown(P("app/main.go").c_str(), ::geteuid(), ::getegid()), 0);
  EXPECT_EQ(Hash(), h);
  // The owner of a symlink itself counts too.
  ASSERT_EQ(::lchown(P("app/link").c_str(), 4242, 4242), 0);
  EXPECT_NE(Hash(), h);
}

TEST_F(ContentHashTest, SymlinkTargetAndTypeChangeTheHash) {
  std::string h = Hash();
  ASSERT_EQ(::unlink(P("app/link").c_str()), 0);
  a_.Symlink("app/link", "sub/other.bin");  // dangling is fine inside a tree
  EXPECT_NE(Hash(), h);
  ASSERT_EQ(::unlink(P("app/link").c_str()), 0);
  a_.Write("app/link", "sub/data.bin");  // a file holding the old target text
  EXPECT_NE(Hash(), h);
}

TEST_F(ContentHashTest, PathsCount) {
  std::string h = Hash();
  ASSERT_EQ(::rename(P("app/main.go").c_str(), P("app/main2.go").c_str()), 0);
  EXPECT_NE(Hash(), h);
  ASSERT_EQ(::rename(P("app/main2.go").c_str(), P("app/main.go").c_str()), 0);
  EXPECT_EQ(Hash(), h);
  // An empty directory is an entry too.
  a_.Mkdir("app/empty");
  EXPECT_NE(Hash(), h);
  // Source order counts: a later source overwrites an earlier one at the destination.
  EXPECT_NE(Hash({"top.txt", "app"}), Hash({"app", "top.txt"}));
}

TEST_F(ContentHashTest, IgnoredFilesDoNotCount) {
  std::string h = Hash();
  a_.Write("app/debug.log", "different noise");
  a_.Write("app/new.log", "more");
  EXPECT_EQ(Hash(), h);
  // Without the rule they do.
  EXPECT_NE(Hash(a_, {"app", "top.txt"}, {}), h);
  // A file outside the sources does not count either.
  a_.Write("unrelated.txt", "x");
  EXPECT_EQ(Hash(), h);
}

TEST_F(ContentHashTest, FollowedSourceSymlinkHashesItsTarget) {
  a_.Symlink("toplink", "top.txt");
  std::string via_link = Hash({"toplink"});
  EXPECT_NE(via_link, Hash({"top.txt"}));  // the name at the destination differs
  a_.Write("top.txt", "changed");
  EXPECT_NE(Hash({"toplink"}), via_link);
}

TEST_F(ContentHashTest, VanishedSourceIsAnError) {
  auto rules = IgnoreRules();
  auto matched = ResolveContextSources(a_.fd(), {"top.txt"}, rules);
  ASSERT_TRUE(matched);
  ASSERT_EQ(::unlink(P("top.txt").c_str()), 0);
  auto h = HashContextSources(a_.fd(), *matched, rules);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ErrorCode::kNotFound);
  EXPECT_NE(h.error().message.find("'top.txt'"), std::string::npos) << h.error().message;
}

}  // namespace
}  // namespace berth::builder
