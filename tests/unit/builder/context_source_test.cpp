#include "berth/builder/context_source.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "context_fixture.hpp"

namespace berth::builder {
namespace {

class ContextSourceTest : public ::testing::Test {
 protected:
  Result<std::vector<ContextSource>> Resolve(const std::vector<std::string>& sources,
                                             const std::vector<std::string>& ignore = {}) {
    auto rules = IgnoreRules::FromPatterns(ignore);
    EXPECT_TRUE(rules);
    return ResolveContextSources(ctx_.fd(), sources, *rules);
  }
  // The matched paths, or the error message.
  std::vector<std::string> Paths(const std::vector<std::string>& sources,
                                 const std::vector<std::string>& ignore = {}) {
    auto r = Resolve(sources, ignore);
    if (!r) return {"error: " + r.error().message};
    std::vector<std::string> out;
    for (const ContextSource& s : *r) out.push_back(s.path);
    return out;
  }
  void ExpectError(const std::string& source, ErrorCode code, const std::string& message,
                   const std::vector<std::string>& ignore = {}) {
    auto r = Resolve({source}, ignore);
    ASSERT_FALSE(r) << source;
    EXPECT_EQ(r.error().code, code) << source;
    EXPECT_EQ(r.error().message, message);
  }
  testing::ContextDir ctx_;
};

TEST_F(ContextSourceTest, LiteralPathsAreCleanedAndRelativeToTheRoot) {
  ctx_.Write("a.txt", "a");
  ctx_.Write("sub/b.txt", "b");
  auto r = Resolve({"a.txt", "/sub/b.txt", "./sub/../a.txt", "sub//"});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r, (std::vector<ContextSource>{
                    {"a.txt", "a.txt", "a.txt", EntryType::kRegular},
                    {"/sub/b.txt", "sub/b.txt", "sub/b.txt", EntryType::kRegular},
                    {"./sub/../a.txt", "a.txt", "a.txt", EntryType::kRegular},
                    {"sub//", "sub", "sub", EntryType::kDirectory},
                }));
  auto root = Resolve({".", "/"});
  ASSERT_TRUE(root);
  EXPECT_EQ((*root)[0], (ContextSource{".", ".", ".", EntryType::kDirectory}));
  EXPECT_EQ((*root)[1].path, ".");
}

TEST_F(ContextSourceTest, MissingSourceIsNotFound) {
  ExpectError("missing.txt", ErrorCode::kNotFound,
              "COPY missing.txt: no such file or directory in the build context");
  ctx_.Write("file", "x");
  ExpectError("file/below", ErrorCode::kNotFound,
              "COPY file/below: no such file or directory in the build context");
  auto add = ResolveContextSources(ctx_.fd(), {"nope"}, IgnoreRules(), "ADD");
  ASSERT_FALSE(add);
  EXPECT_EQ(add.error().message, "ADD nope: no such file or directory in the build context");
}

TEST_F(ContextSourceTest, DotDotOutOfTheContextIsRefused) {
  ctx_.WriteOutside("x", "secret");
  for (const char* s : {"../x", "sub/../../x", "/../x", "..", "../*"}) {
    ExpectError(s, ErrorCode::kInvalidArgument,
                std::string("COPY ") + s + ": escapes the build context");
  }
}

TEST_F(ContextSourceTest, SymlinksLeadingOutAreRefused) {
  ctx_.WriteOutside("secret", "s");
  ctx_.Symlink("abs", (ctx_.outside() / "secret").string());
  ctx_.Symlink("abs_inside", (ctx_.root() / "a.txt").string());
  ctx_.Write("a.txt", "a");
  ctx_.Symlink("rel", "../outside/secret");
  ctx_.Symlink("chain1", "sub/chain2");
  ctx_.Symlink("sub/chain2", "../../outside/secret");
  ctx_.Symlink("dirlink", "../outside");
  ctx_.Symlink("root_abs", "/");
  for (const char* s : {"abs", "abs_inside", "rel", "chain1", "dirlink/secret", "root_abs/etc"}) {
    ExpectError(s, ErrorCode::kInvalidArgument,
                std::string("COPY ") + s + ": escapes the build context");
  }
}

TEST_F(ContextSourceTest, SymlinksInsideAreFollowed) {
  ctx_.Write("sub/real.txt", "r");
  ctx_.Write("a.txt", "a");
  ctx_.Symlink("link", "sub/real.txt");
  ctx_.Symlink("dlink", "sub");
  ctx_.Symlink("sub/up", "../a.txt");
  ctx_.Symlink("sub/self", ".");
  auto r = Resolve({"link", "dlink", "sub/up", "dlink/self/real.txt"});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r,
            (std::vector<ContextSource>{
                {"link", "link", "sub/real.txt", EntryType::kRegular},
                {"dlink", "dlink", "sub", EntryType::kDirectory},
                {"sub/up", "sub/up", "a.txt", EntryType::kRegular},
                {"dlink/self/real.txt", "dlink/self/real.txt", "sub/real.txt", EntryType::kRegular},
            }));
}

TEST_F(ContextSourceTest, SymlinkLoopsAndDanglingLinks) {
  ctx_.Symlink("l1", "l2");
  ctx_.Symlink("l2", "l1");
  auto loop = Resolve({"l1"});
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().sys_errno, ELOOP);
  ctx_.Symlink("dangling", "nowhere");
  ExpectError("dangling", ErrorCode::kNotFound,
              "COPY dangling: no such file or directory in the build context");
}

TEST_F(ContextSourceTest, WildcardsMatchPerComponentInLexicalOrder) {
  for (const char* f : {"b.txt", "a.txt", "c.md", ".hidden.txt", "sub/d.txt", "sub2/e.txt"}) {
    ctx_.Write(f, f);
  }
  EXPECT_EQ(Paths({"*.txt"}), (std::vector<std::string>{".hidden.txt", "a.txt", "b.txt"}));
  EXPECT_EQ(Paths({"?.md"}), std::vector<std::string>{"c.md"});
  EXPECT_EQ(Paths({"[ab].txt"}), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(Paths({"[^ab].*"}), std::vector<std::string>{"c.md"});
  EXPECT_EQ(Paths({"*/*.txt"}), (std::vector<std::string>{"sub/d.txt", "sub2/e.txt"}));
  EXPECT_EQ(Paths({"sub*"}), (std::vector<std::string>{"sub", "sub2"}));
  EXPECT_EQ(Paths({"/sub/*"}), std::vector<std::string>{"sub/d.txt"});
  // In a source "**" is only two '*': one component, unlike in an ignore file.
  EXPECT_EQ(Paths({"**/*.txt"}), (std::vector<std::string>{"sub/d.txt", "sub2/e.txt"}));
  // '*' stays inside one component.
  EXPECT_EQ(Paths({"*d.txt"}),
            std::vector<std::string>{"error: COPY *d.txt: no such file or directory in the "
                                     "build context"});
  // Argument order is kept; a pattern expands in place.
  EXPECT_EQ(Paths({"c.md", "*.txt", "a.txt"}),
            (std::vector<std::string>{"c.md", ".hidden.txt", "a.txt", "b.txt", "a.txt"}));
}

TEST_F(ContextSourceTest, WildcardsThroughSymlinkedDirectories) {
  ctx_.Write("sub/d.txt", "d");
  ctx_.Symlink("dlink", "sub");
  ctx_.Symlink("dangling.txt", "nowhere");
  auto r = Resolve({"dlink/*.txt"});
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0],
            (ContextSource{"dlink/*.txt", "dlink/d.txt", "sub/d.txt", EntryType::kRegular}));
  // A dangling link matched by a pattern does not count.
  EXPECT_EQ(Paths({"*.txt"}),
            std::vector<std::string>{"error: COPY *.txt: no such file or directory in the build "
                                     "context"});
}

TEST_F(ContextSourceTest, MalformedPatternIsInvalid) {
  auto r = Resolve({"a[b"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "COPY a[b: syntax error in pattern 'a[b'");
}

TEST_F(ContextSourceTest, EscapingWildcardMatchIsRefusedUnlessIgnored) {
  ctx_.Write("sub/x", "x");
  ctx_.WriteOutside("x", "secret");
  ctx_.Symlink("evil", "../outside");
  ExpectError("*/x", ErrorCode::kInvalidArgument, "COPY */x: escapes the build context");
  auto ignored = Resolve({"*/x"}, {"evil"});
  ASSERT_TRUE(ignored) << ignored.error().ToString();
  EXPECT_EQ(ignored->size(), 1u);
  EXPECT_EQ((*ignored)[0].path, "sub/x");
}

TEST_F(ContextSourceTest, IgnoredPathsAreNotInTheContext) {
  ctx_.Write("secret.txt", "s");
  ctx_.Write("a.txt", "a");
  ctx_.Write("private/key", "k");
  ctx_.Symlink("link", "a.txt");
  const std::vector<std::string> ignore = {"secret.txt", "private", "link"};
  ExpectError("secret.txt", ErrorCode::kNotFound,
              "COPY secret.txt: no such file or directory in the build context", ignore);
  ExpectError("private/key", ErrorCode::kNotFound,
              "COPY private/key: no such file or directory in the build context", ignore);
  // An ignored symlink is not there to follow, though its target is.
  ExpectError("link", ErrorCode::kNotFound,
              "COPY link: no such file or directory in the build context", ignore);
  EXPECT_EQ(Paths({"*.txt"}, ignore), std::vector<std::string>{"a.txt"});
  EXPECT_EQ(Paths({"*"}, ignore), std::vector<std::string>{"a.txt"});
  ExpectError("s*", ErrorCode::kNotFound, "COPY s*: no such file or directory in the build context",
              ignore);
  // A symlink to an ignored file leads nowhere.
  ExpectError("link", ErrorCode::kNotFound,
              "COPY link: no such file or directory in the build context", {"a.txt"});
}

TEST_F(ContextSourceTest, ExcludedDirectoryExistsOnlyWithReincludedContents) {
  ctx_.Write("docs/keep.md", "k");
  ctx_.Write("docs/other.md", "o");
  auto r = Resolve({"docs"}, {"docs", "!docs/keep.md"});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)[0].type, EntryType::kDirectory);
  EXPECT_EQ(Paths({"docs/keep.md"}, {"docs", "!docs/keep.md"}),
            std::vector<std::string>{"docs/keep.md"});
  ExpectError("docs/other.md", ErrorCode::kNotFound,
              "COPY docs/other.md: no such file or directory in the build context",
              {"docs", "!docs/keep.md"});
  // "*.md" can only re-include top-level files: nothing below docs comes back.
  ExpectError("docs", ErrorCode::kNotFound,
              "COPY docs: no such file or directory in the build context", {"docs", "!*.md"});
}

}  // namespace
}  // namespace berth::builder
