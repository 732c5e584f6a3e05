// The Containerfiles of testdata/build (the build tests' cases) through berth's parser: each
// parses, except the cases whose error is one of syntax, which must fail with their expected
// FILE:LINE and text. Catches a case the parser would reject for the wrong reason before
// `berth build` runs it.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "berth/base/fs.hpp"
#include "berth/builder/containerfile.hpp"
#include "support/build_case.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

// The bad-input cases whose Containerfile the parser itself must refuse.
const std::set<std::string> kSyntaxErrors = {"bad-arg-no-name", "bad-flag",
                                             "bad-unknown-instruction"};

TEST(BuildTestdataParseTest, EveryContainerfileParsesOrFailsAsExpected) {
  auto cases = LoadBuildCases(BuildTestdataDir());
  ASSERT_FALSE(cases.empty());
  int parsed = 0;
  for (const auto& c : cases) {
    for (const auto& entry : fs::directory_iterator(c.dir)) {
      std::string name = entry.path().filename().string();
      if (name != "Containerfile" && name != "Dockerfile" && !name.ends_with(".Containerfile")) {
        continue;
      }
      auto text = ReadFile(entry.path());
      ASSERT_TRUE(text) << entry.path();
      auto cf = builder::Parse(*text, name);
      if (kSyntaxErrors.count(c.name) && name == "Containerfile") {
        ASSERT_FALSE(cf) << c.name << " parsed";
        for (const auto& fragment : c.errors) {
          EXPECT_NE(cf.error().message.find(fragment), std::string::npos)
              << c.name << ": \"" << fragment << "\" not in: " << cf.error().message;
        }
      } else {
        EXPECT_TRUE(cf) << c.name << "/" << name << ": " << cf.error().message;
        ++parsed;
      }
    }
  }
  EXPECT_GE(parsed, 45);
}

TEST(BuildTestdataParseTest, HeredocCasesHaveTheirHeredocs) {
  auto text = ReadFile(BuildTestdataDir() / "heredoc-copy" / "Containerfile");
  ASSERT_TRUE(text);
  auto cf = builder::Parse(*text, "Containerfile");
  ASSERT_TRUE(cf) << cf.error().message;
  const auto& multi = cf->instructions.back();
  ASSERT_EQ(multi.heredocs.size(), 2u) << builder::Dump(multi);
  EXPECT_EQ(multi.heredocs[0].name, "one.txt");
  EXPECT_EQ(multi.heredocs[0].content, "first\n");
  EXPECT_EQ(multi.heredocs[1].name, "two.txt");
  EXPECT_EQ(multi.words, (std::vector<std::string>{"/multi/"}));
}

}  // namespace
}  // namespace berth::testing
