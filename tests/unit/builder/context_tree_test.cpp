#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "berth/builder/context_source.hpp"
#include "context_fixture.hpp"
#include "support/without_openat2.hpp"

namespace berth::builder {
namespace {

std::vector<std::string> Rels(const std::vector<ContextTreeEntry>& entries) {
  std::vector<std::string> out;
  for (const ContextTreeEntry& e : entries) out.push_back(e.rel);
  return out;
}

std::vector<std::string> List(const testing::ContextDir& ctx, const std::string& dir,
                              const std::vector<std::string>& ignore = {}) {
  auto rules = IgnoreRules::FromPatterns(ignore);
  EXPECT_TRUE(rules);
  auto r = ListContextTree(ctx.fd(), dir, *rules);
  if (!r) return {"error: " + r.error().message};
  return Rels(*r);
}

TEST(ContextTreeTest, DepthFirstInNameOrder) {
  testing::ContextDir ctx;
  for (const char* f : {"b.txt", "b/z", "a.txt", "c/d/e", "B"}) ctx.Write(f, f);
  EXPECT_EQ(List(ctx, "."),
            (std::vector<std::string>{"B", "a.txt", "b", "b/z", "b.txt", "c", "c/d", "c/d/e"}));
  auto sub = ListContextTree(ctx.fd(), "c", IgnoreRules());
  ASSERT_TRUE(sub) << sub.error().ToString();
  ASSERT_EQ(sub->size(), 2u);
  EXPECT_EQ((*sub)[1].rel, "d/e");
  EXPECT_EQ((*sub)[1].path, "c/d/e");
  EXPECT_EQ((*sub)[0].type, EntryType::kDirectory);
}

TEST(ContextTreeTest, EntriesCarryMetadataAndSymlinksAreNotFollowed) {
  testing::ContextDir ctx;
  ctx.Write("run.sh", "#!/bin/sh\n", 04755);
  ctx.Symlink("out", "../outside/secret");
  ctx.Symlink("abs", "/etc/passwd");
  ASSERT_EQ(::mkfifo((ctx.root() / "fifo").c_str(), 0600), 0);
  auto r = ListContextTree(ctx.fd(), ".", IgnoreRules());
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(Rels(*r), (std::vector<std::string>{"abs", "fifo", "out", "run.sh"}));
  EXPECT_EQ((*r)[0].type, EntryType::kSymlink);
  EXPECT_EQ((*r)[1].type, EntryType::kOther);
  EXPECT_EQ((*r)[2].type, EntryType::kSymlink);
  const ContextTreeEntry& sh = (*r)[3];
  EXPECT_EQ(sh.type, EntryType::kRegular);
  EXPECT_EQ(sh.mode & 07777, 04755u);
  EXPECT_EQ(sh.size, 10u);
  EXPECT_EQ(sh.uid, ::geteuid());
}

TEST(ContextTreeTest, IgnoredPathsAreLeftOut) {
  testing::ContextDir ctx;
  for (const char* f : {"app.go", "debug.log", "node_modules/x/y.js", "src/a.log", "src/b.go"}) {
    ctx.Write(f, f);
  }
  EXPECT_EQ(List(ctx, ".", {"*.log", "node_modules"}),
            (std::vector<std::string>{"app.go", "src", "src/a.log", "src/b.go"}));
  EXPECT_EQ(List(ctx, ".", {"**/*.log", "node_modules"}),
            (std::vector<std::string>{"app.go", "src", "src/b.go"}));
  // Rules match context paths, not paths relative to the listed directory.
  EXPECT_EQ(List(ctx, "src", {"*.log"}), (std::vector<std::string>{"a.log", "b.go"}));
  EXPECT_EQ(List(ctx, "src", {"src/*.log"}), std::vector<std::string>{"b.go"});
}

TEST(ContextTreeTest, ExcludedDirectoryIsListedOnlyAsParentOfReincludedPaths) {
  testing::ContextDir ctx;
  for (const char* f : {"docs/keep/me.md", "docs/keep/not.md", "docs/other.md", "x"}) {
    ctx.Write(f, f);
  }
  EXPECT_EQ(List(ctx, ".", {"docs", "!docs/keep/me.md"}),
            (std::vector<std::string>{"docs", "docs/keep", "docs/keep/me.md", "x"}));
  EXPECT_EQ(List(ctx, ".", {"docs", "!**/me.md"}),
            (std::vector<std::string>{"docs", "docs/keep", "docs/keep/me.md", "x"}));
  // An exception that could match below but matches nothing there: docs is gone.
  EXPECT_EQ(List(ctx, ".", {"docs", "!docs/keep/none.md"}), std::vector<std::string>{"x"});
  EXPECT_EQ(List(ctx, ".", {"*", "!x"}), std::vector<std::string>{"x"});
}

TEST(ContextTreeTest, StartMustBeACanonicalDirectory) {
  testing::ContextDir ctx;
  ctx.Write("file", "f");
  ctx.Write("dir/a", "a");
  ctx.Symlink("dlink", "dir");
  auto missing = ListContextTree(ctx.fd(), "nope", IgnoreRules());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto file = ListContextTree(ctx.fd(), "file", IgnoreRules());
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kInvalidArgument);
  auto link = ListContextTree(ctx.fd(), "dlink", IgnoreRules());
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().code, ErrorCode::kInvalidArgument);
}

TEST(ContextTreeTest, OpenContextPathFollowsNoSymlink) {
  testing::ContextDir ctx;
  ctx.Write("dir/a", "a");
  ctx.Symlink("dlink", "dir");
  ctx.Symlink("alink", "dir/a");
  EXPECT_TRUE(OpenContextPath(ctx.fd(), "dir/a", O_RDONLY));
  auto via = OpenContextPath(ctx.fd(), "dlink/a", O_RDONLY);
  ASSERT_FALSE(via);
  EXPECT_EQ(via.error().sys_errno, ELOOP);
  EXPECT_FALSE(OpenContextPath(ctx.fd(), "alink", O_RDONLY));
  EXPECT_TRUE(OpenContextPath(ctx.fd(), "alink", O_PATH | O_NOFOLLOW));
  auto up = OpenContextPath(ctx.fd(), "../outside", O_PATH);
  ASSERT_FALSE(up);
  EXPECT_EQ(up.error().code, ErrorCode::kInvalidArgument);
}

using ::berth::testing::RunWithoutOpenat2;

TEST(ContextTreeTest, WithoutOpenat2SymlinksInsideResolveAndEscapesAreRefused) {
  testing::ContextDir ctx;
  ctx.Write("sub/real.txt", "r");
  ctx.Symlink("dlink", "sub");
  ctx.Symlink("out", "../outside");
  EXPECT_EQ(RunWithoutOpenat2([&] {
              auto in = ResolveContextSources(ctx.fd(), {"dlink/real.txt"}, IgnoreRules());
              if (!in || (*in)[0].resolved != "sub/real.txt") return 1;
              auto out = ResolveContextSources(ctx.fd(), {"out/x"}, IgnoreRules());
              if (out || out.error().code != ErrorCode::kInvalidArgument) return 2;
              auto tree = ListContextTree(ctx.fd(), ".", IgnoreRules());
              if (!tree || tree->size() != 4) return 3;
              if (OpenContextPath(ctx.fd(), "dlink/real.txt", O_RDONLY)) return 4;
              return 0;
            }),
            0);
}

}  // namespace
}  // namespace berth::builder
