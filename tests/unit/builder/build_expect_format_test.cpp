// The `expect` format of testdata/build (testdata/build/README.md), as the build tests read
// it (tests/support/build_case.cpp).
#include <gtest/gtest.h>

#include "support/build_case.hpp"

namespace berth::testing {
namespace {

TEST(BuildExpectFormat, ReadsEveryDirective) {
  BuildCase c;
  ASSERT_EQ(ParseExpect("# comment\n"
                        "build --target x -f {context}/F\n"
                        "prebuild localhost/a:latest base.Containerfile\n"
                        "sh echo a; echo b\n"
                        "| a\n"
                        "|\n"
                        "exec [\"/bin/true\"]\n"
                        "default\n"
                        "| out\n"
                        "config Env [\"A=1\"]\n"
                        "image created \"2023-11-14T22:13:20Z\"\n"
                        "history-lacks secret\n"
                        "layers 3\n"
                        "oracle none no heredocs there\n"
                        "differential\n",
                        &c),
            "");
  EXPECT_EQ(c.build_args, (std::vector<std::string>{"--target", "x", "-f", "{context}/F"}));
  ASSERT_EQ(c.prebuilds.size(), 1u);
  EXPECT_EQ(c.prebuilds[0].file, "base.Containerfile");
  ASSERT_EQ(c.runs.size(), 3u);
  EXPECT_EQ(c.runs[0].argv, (std::vector<std::string>{"/bin/sh", "-c", "echo a; echo b"}));
  EXPECT_EQ(c.runs[0].want_lines, (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(c.runs[1].argv, (std::vector<std::string>{"/bin/true"}));
  EXPECT_TRUE(c.runs[1].want_lines.empty());
  EXPECT_EQ(c.runs[2].kind, RunCheck::Kind::kDefault);
  EXPECT_EQ(c.runs[2].want_lines, (std::vector<std::string>{"out"}));
  ASSERT_EQ(c.fields.size(), 2u);
  EXPECT_FALSE(c.fields[0].top_level);
  EXPECT_EQ(c.fields[0].want, nlohmann::json::parse("[\"A=1\"]"));
  EXPECT_TRUE(c.fields[1].top_level);
  EXPECT_EQ(c.history_lacks, (std::vector<std::string>{"secret"}));
  EXPECT_EQ(c.layers, 3);
  EXPECT_EQ(c.oracle_skip, "no heredocs there");
  EXPECT_TRUE(c.differential);
  EXPECT_FALSE(c.ExpectsFailure());
}

TEST(BuildExpectFormat, RefusesWhatItCannotCheck) {
  auto error_of = [](const std::string& text) {
    BuildCase c;
    return ParseExpect(text, &c);
  };
  EXPECT_EQ(error_of("sh true\n\n| late\n"), "expect:3: '|' line not right after sh/exec/default");
  EXPECT_EQ(error_of("frobnicate\n"), "expect:1: unknown directive 'frobnicate'");
  EXPECT_EQ(error_of("exec echo hi\n"), "expect:1: exec needs a JSON array of strings");
  EXPECT_EQ(error_of("config Env [broken\n"), "expect:1: config needs FIELD JSON");
  EXPECT_EQ(error_of("error boom\nsh true\n"),
            "expect: a case with 'error' cannot check the image");
  EXPECT_EQ(error_of("# nothing\n"), "expect: checks nothing");
  EXPECT_EQ(error_of("error Containerfile:2\n"), "");
}

}  // namespace
}  // namespace berth::testing
