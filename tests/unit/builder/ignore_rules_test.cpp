#include "berth/builder/ignore_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "context_fixture.hpp"

namespace berth::builder {
namespace {

IgnoreRules Rules(const std::vector<std::string>& patterns) {
  auto r = IgnoreRules::FromPatterns(patterns);
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? *r : IgnoreRules();
}

struct Case {
  const char* pattern;
  const char* path;
  bool excluded;
};

// moby/patternmatcher's TestMatches and TestMatch tables (MatchesOrParentMatches: a pattern
// that matches a parent directory matches the path).
TEST(IgnoreRulesTest, PatternTableOfPatternmatcher) {
  const Case cases[] = {
      {"**", "file", true},
      {"**", "dir/file", true},
      {"**/", "file", true},
      {"**/**", "dir/file", true},
      {"dir/**", "dir/file", true},
      {"dir/**", "dir/dir2/file", true},
      {"**/dir", "dir", true},
      {"**/dir", "dir/file", true},
      {"**/dir2/*", "dir/dir2/file", true},
      {"**/dir2/**", "dir/dir2/dir3/file", true},
      {"**file", "file", true},
      {"**file", "dir/file", true},
      {"**/file", "dir/file", true},
      {"**file", "dir/dir/file", true},
      {"**/file", "dir/dir/file", true},
      {"**/file*", "dir/dir/file", true},
      {"**/file*", "dir/dir/file.txt", true},
      {"**/file*txt", "dir/dir/file.txt", true},
      {"**/file*.txt", "dir/dir/file.txt", true},
      {"**/file*.txt*", "dir/dir/file.txt", true},
      {"**/**/*.txt", "dir/dir/file.txt", true},
      {"**/**/*.txt2", "dir/dir/file.txt", false},
      {"**/*.txt", "file.txt", true},
      {"**/**/*.txt", "file.txt", true},
      {"a**/*.txt", "a/file.txt", true},
      {"a**/*.txt", "a/dir/file.txt", true},
      {"a**/*.txt", "a/dir/dir/file.txt", true},
      {"a/*.txt", "a/dir/file.txt", false},
      {"a/*.txt", "a/file.txt", true},
      {"a/*.txt**", "a/file.txt", true},
      {"a[b-d]e", "ae", false},
      {"a[b-d]e", "ace", true},
      {"a[b-d]e", "aae", false},
      {"a[^b-d]e", "aze", true},
      {".*", ".foo", true},
      {".*", "foo", false},
      {"abc.def", "abcdef", false},
      {"abc.def", "abc.def", true},
      {"abc.def", "abcZdef", false},
      {"abc?def", "abcZdef", true},
      {"abc?def", "abcdef", false},
      {"**/foo/bar", "foo/bar", true},
      {"**/foo/bar", "dir/foo/bar", true},
      {"**/foo/bar", "dir/dir2/foo/bar", true},
      {"abc/**", "abc", false},
      {"abc/**", "abc/def", true},
      {"abc/**", "abc/def/ghi", true},
      {"**/.foo", ".foo", true},
      {"**/.foo", "bar.foo", false},
      {"a(b)c/def", "a(b)c/def", true},
      {"a(b)c/def", "a(b)c/xyz", false},
      {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
      {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
      {"a\\\\", "a\\", true},
      {"a\\*b", "a*b", true},
      {"a\\*b", "ab", false},
      {"abc", "abc", true},
      {"*", "abc", true},
      {"*c", "abc", true},
      {"a*", "a", true},
      {"a*", "ab/c", true},
      {"a*/b", "abc/b", true},
      {"a*/b", "a/c/b", false},
      {"a*b*c*d*e*/f", "axbxcxdxe/f", true},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true},
      {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false},
      {"a*b?c*x", "abxbbxdbxebxczzx", true},
      {"a*b?c*x", "abxbbxdbxebxczzy", false},
      {"ab[c]", "abc", true},
      {"ab[e-g]", "abc", false},
      {"ab[^c]", "abc", false},
      {"ab[^e-g]", "abc", true},
      {"a?b", "a\u263Ab", true},
      {"a[^a]b", "a\u263Ab", true},
      {"a???b", "a\u263Ab", false},
      {"[a-\u03B6]*", "\u03B1", true},
      {"*[a-\u03B6]", "A", false},
      {"a?b", "a/b", false},
      {"a*b", "a/b", false},
      {"[\\]a]", "]", true},
      {"[\\-]", "-", true},
      {"[x\\-]", "-", true},
      {"[x\\-]", "z", false},
      {"[\\-x]", "a", false},
      {"*x", "xxx", true},
      // A trailing "**" after a wildcard is ".*": it crosses '/'.
      {"*.d/**", "x.d/a/b", true},
      {"**/foo**", "x/foobar/y", true},
  };
  for (const Case& c : cases) {
    auto rules = IgnoreRules::FromPatterns({c.pattern});
    ASSERT_TRUE(rules) << c.pattern << ": " << rules.error().ToString();
    EXPECT_EQ(rules->Matches(c.path), c.excluded) << "pattern " << c.pattern << " path " << c.path;
  }
}

TEST(IgnoreRulesTest, SuffixShortcutOfLiteralDoubleStarPatterns) {
  // patternmatcher matches "**<literal>" with a plain suffix test: "**.go" excludes "a.go"
  // (while "**/foo" still needs a whole component).
  EXPECT_TRUE(Rules({"**.go"}).Matches("src/a.go"));
  EXPECT_TRUE(Rules({"**/foo"}).Matches("a/foo"));
  EXPECT_FALSE(Rules({"**/foo"}).Matches("a/xfoo"));
}

TEST(IgnoreRulesTest, MalformedPatternsAreErrors) {
  for (const char* bad :
       {"[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "!"}) {
    auto r = IgnoreRules::FromPatterns({bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(IgnoreRulesTest, LastMatchingPatternWins) {
  EXPECT_TRUE(Rules({"!fileutils.go", "*.go"}).Matches("fileutils.go"));
  EXPECT_FALSE(Rules({"*.go", "!fileutils.go"}).Matches("fileutils.go"));
  EXPECT_TRUE(Rules({"*.go", "!fileutils.go"}).Matches("other.go"));
  EXPECT_TRUE(Rules({"*.go", "!fileutils.go", "file*"}).Matches("fileutils.go"));
  EXPECT_FALSE(Rules({"**", "!util/docker/web"}).Matches("util/docker/web/foo"));
  EXPECT_TRUE(
      Rules({"**", "!util/docker/web", "util/docker/web/foo"}).Matches("util/docker/web/foo"));
  EXPECT_FALSE(Rules({"**", "!dist/*.whl"}).Matches("dist/x.whl"));
}

TEST(IgnoreRulesTest, ExcludedDirectoryExcludesItsContentsUnlessReincluded) {
  for (const char* dir : {"docs", "docs/", "docs/*"}) {
    IgnoreRules rules = Rules({dir, "!docs/README.md"});
    EXPECT_FALSE(rules.Matches("docs/README.md")) << dir;
    EXPECT_TRUE(rules.Matches("docs/guide/intro.md")) << dir;
  }
  IgnoreRules rules = Rules({"docs"});
  EXPECT_TRUE(rules.Matches("docs"));
  EXPECT_TRUE(rules.Matches("docs/a/b/c"));
  EXPECT_FALSE(rules.Matches("docsx"));
  EXPECT_FALSE(rules.Matches("x/docs"));
}

TEST(IgnoreRulesTest, RootIsNeverExcludedAndPathsAreCleaned) {
  IgnoreRules rules = Rules({"**", "*"});
  EXPECT_FALSE(rules.Matches("."));
  EXPECT_FALSE(rules.Matches(""));
  EXPECT_FALSE(rules.Matches("/"));
  IgnoreRules a = Rules({"a/b"});
  EXPECT_TRUE(a.Matches("/a/b"));
  EXPECT_TRUE(a.Matches("a//b/"));
  EXPECT_TRUE(a.Matches("./a/x/../b"));
  EXPECT_FALSE(IgnoreRules().Matches("anything"));
}

TEST(IgnoreRulesTest, ParseFollowsTheIgnoreFileReader) {
  auto rules = IgnoreRules::Parse(
      "\xEF\xBB\xBF# comment\n"
      "\n"
      "   \n"
      "  #not-a-comment  \n"
      "/abs/path\n"
      "a/./b/../c/\r\n"
      "! /exc\n"
      "!docs/../keep\n"
      "/\n");
  ASSERT_TRUE(rules) << rules.error().ToString();
  EXPECT_EQ(rules->patterns(),
            (std::vector<std::string>{"#not-a-comment", "abs/path", "a/c", "!exc", "!keep", "/"}));
  EXPECT_TRUE(rules->has_exceptions());
  EXPECT_TRUE(rules->Matches("#not-a-comment"));
  EXPECT_TRUE(rules->Matches("abs/path/x"));
  EXPECT_TRUE(rules->Matches("a/c"));
  EXPECT_FALSE(rules->Matches("a/b"));

  auto empty = IgnoreRules::Parse("# only\n\n");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(empty->has_exceptions());
}

TEST(IgnoreRulesTest, ParseErrorsNameTheLine) {
  auto r = IgnoreRules::Parse("ok\n# c\nbad[\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;
  auto bang = IgnoreRules::Parse("!\n");
  ASSERT_FALSE(bang);
  EXPECT_NE(bang.error().message.find("line 1"), std::string::npos) << bang.error().message;
}

TEST(IgnoreRulesTest, MayReincludeBelowOnlyWhenAnExceptionCouldMatchBelow) {
  EXPECT_FALSE(Rules({"docs"}).MayReincludeBelow("docs"));
  IgnoreRules literal = Rules({"docs", "!docs/keep/me.md"});
  EXPECT_TRUE(literal.MayReincludeBelow("docs"));
  EXPECT_TRUE(literal.MayReincludeBelow("docs/keep"));
  EXPECT_FALSE(literal.MayReincludeBelow("docs/other"));
  EXPECT_FALSE(literal.MayReincludeBelow("docs/keep/me.md"));
  IgnoreRules wild = Rules({"node_modules", "**/*.md", "!**/README.md"});
  EXPECT_TRUE(wild.MayReincludeBelow("node_modules"));
  EXPECT_TRUE(wild.MayReincludeBelow("a/b/c"));
  IgnoreRules star = Rules({"*", "!src/*.go"});
  EXPECT_TRUE(star.MayReincludeBelow("src"));
  EXPECT_FALSE(star.MayReincludeBelow("docs"));
  EXPECT_FALSE(star.MayReincludeBelow("src/sub"));
  IgnoreRules prefix = Rules({"*", "!build/**"});
  EXPECT_TRUE(prefix.MayReincludeBelow("build"));
  EXPECT_TRUE(prefix.MayReincludeBelow("build/x/y"));
  EXPECT_FALSE(prefix.MayReincludeBelow("other"));
}

class IgnoreFileTest : public ::testing::Test {
 protected:
  int fd() const { return ctx_.fd(); }
  void Write(const std::string& rel, const std::string& text) { ctx_.Write(rel, text); }
  testing::ContextDir ctx_;
};

TEST_F(IgnoreFileTest, ContainerignoreComesBeforeDockerignore) {
  auto none = LoadIgnoreRules(fd());
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_TRUE(none->empty());

  Write(".dockerignore", "docker\n");
  auto docker = LoadIgnoreRules(fd());
  ASSERT_TRUE(docker);
  EXPECT_EQ(docker->patterns(), std::vector<std::string>{"docker"});

  Write(".containerignore", "container\n");
  auto container = LoadIgnoreRules(fd());
  ASSERT_TRUE(container);
  EXPECT_EQ(container->patterns(), std::vector<std::string>{"container"});
}

TEST_F(IgnoreFileTest, SymlinkInsideIsFollowedOutsideIsRefused) {
  Write("ignore.txt", "inside\n");
  ctx_.Symlink(".dockerignore", "ignore.txt");
  auto inside = LoadIgnoreRules(fd());
  ASSERT_TRUE(inside) << inside.error().ToString();
  EXPECT_EQ(inside->patterns(), std::vector<std::string>{"inside"});

  ctx_.WriteOutside("ignore", "outside\n");
  ctx_.Symlink(".containerignore", "../outside/ignore");
  auto outside = LoadIgnoreRules(fd());
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(outside.error().message.find("escapes the build context"), std::string::npos);
}

TEST_F(IgnoreFileTest, BadPatternAndDirectoryAreErrorsNamingTheFile) {
  Write(".dockerignore", "good\n[bad\n");
  auto bad = LoadIgnoreRules(fd());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("'.dockerignore'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos);

  ctx_.Mkdir(".containerignore");
  auto dir = LoadIgnoreRules(fd());
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::builder
