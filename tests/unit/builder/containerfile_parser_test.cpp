// The line level of the Containerfile parser: keywords, comments, continuations, parser
// directives, line numbers and error locations.
#include <gtest/gtest.h>

#include "berth/builder/containerfile.hpp"
#include "parse_helpers.hpp"

namespace berth::builder {
namespace {

using testing::MustParse;
using testing::One;
using testing::ParseError;

TEST(ContainerfileParserTest, KeywordsAreCaseInsensitiveAndUpperCased) {
  Containerfile cf = MustParse("from busybox\nRun echo hi\n  \tcmd [\"sh\"]\n");
  ASSERT_EQ(cf.instructions.size(), 3u);
  EXPECT_EQ(cf.instructions[0].keyword, "FROM");
  EXPECT_EQ(cf.instructions[1].keyword, "RUN");
  EXPECT_EQ(cf.instructions[1].original, "Run echo hi");
  EXPECT_EQ(cf.instructions[1].command.shell, "echo hi");
  EXPECT_EQ(cf.instructions[2].keyword, "CMD");
  EXPECT_EQ(cf.instructions[2].line, 3);
  EXPECT_EQ(cf.file_name, "Containerfile");
  EXPECT_EQ(cf.escape, '\\');
  EXPECT_TRUE(cf.warnings.empty());
}

TEST(ContainerfileParserTest, CommentsAndBlankLinesAreSkippedWithLineNumbersKept) {
  Containerfile cf = MustParse(
      "# a comment\n\nFROM a\n   # indented comment\n\n"
      "RUN b # not a comment\n");
  ASSERT_EQ(cf.instructions.size(), 2u);
  EXPECT_EQ(cf.instructions[0].line, 3);
  EXPECT_EQ(cf.instructions[1].line, 6);
  EXPECT_EQ(cf.instructions[1].end_line, 6);
  EXPECT_EQ(cf.instructions[1].command.shell, "b # not a comment");
}

TEST(ContainerfileParserTest, ContinuationsJoinLinesKeepingTheirIndent) {
  Instruction run = One("RUN apt-get update && \\\n    apt-get install -y curl\n");
  EXPECT_EQ(run.command.shell, "apt-get update &&     apt-get install -y curl");
  EXPECT_EQ(run.original, "RUN apt-get update &&     apt-get install -y curl");
  EXPECT_EQ(run.line, 1);
  EXPECT_EQ(run.end_line, 2);
  // Blanks after the escape character still continue the line.
  EXPECT_EQ(One("RUN a \\ \t\nb").command.shell, "a b");
  // A continuation at the end of the file just ends the instruction.
  EXPECT_EQ(One("RUN a \\").original, "RUN a");
  // A line that is only the escape character continues into the next.
  EXPECT_EQ(One("RUN a \\\n\\\nb").command.shell, "a b");
}

TEST(ContainerfileParserTest, CommentAndBlankLinesInsideAContinuationAreSkipped) {
  Containerfile cf = MustParse("FROM a\nRUN a \\\n# comment\n  # indented comment\n\n  b\nCMD c\n");
  ASSERT_EQ(cf.instructions.size(), 3u);
  const Instruction& run = cf.instructions[1];
  EXPECT_EQ(run.command.shell, "a   b");
  EXPECT_EQ(run.line, 2);
  EXPECT_EQ(run.end_line, 6);
  EXPECT_EQ(cf.instructions[2].line, 7);
  // BuildKit warns about the blank line (not about the comments).
  EXPECT_EQ(cf.warnings,
            std::vector<std::string>{"Containerfile:2: empty continuation line: RUN a   b"});
}

TEST(ContainerfileParserTest, ADoubledEscapeDoesNotContinue) {
  Containerfile cf = MustParse("RUN echo \\\\\nCMD x\n");
  ASSERT_EQ(cf.instructions.size(), 2u);
  EXPECT_EQ(cf.instructions[0].command.shell, "echo \\\\");
}

TEST(ContainerfileParserTest, CarriageReturnsAndByteOrderMarkAreIgnored) {
  Containerfile cf = MustParse(
      "\xEF\xBB\xBF"
      "FROM x\r\nRUN a \\\r\n b\r\n");
  ASSERT_EQ(cf.instructions.size(), 2u);
  EXPECT_EQ(cf.instructions[0].keyword, "FROM");
  EXPECT_EQ(cf.instructions[0].value, "x");
  EXPECT_EQ(cf.instructions[1].command.shell, "a  b");
}

TEST(ContainerfileParserTest, EscapeDirectiveSelectsTheBacktick) {
  Containerfile cf = MustParse(
      "# escape=`\nFROM mcr.microsoft.com/windows/servercore\n"
      "RUN dir c:\\ `\n  && echo done\nRUN echo c:\\\nCMD x\n");
  EXPECT_EQ(cf.escape, '`');
  ASSERT_EQ(cf.instructions.size(), 4u);
  EXPECT_EQ(cf.instructions[1].command.shell, "dir c:\\   && echo done");
  // With the backtick, a trailing backslash is an ordinary character.
  EXPECT_EQ(cf.instructions[2].command.shell, "echo c:\\");
  EXPECT_EQ(cf.instructions[3].keyword, "CMD");
}

TEST(ContainerfileParserTest, DirectivesAreReadOnlyAtTheTop) {
  Containerfile cf = MustParse(
      "#  SYNTAX = docker/dockerfile:1.7 \n#escape=\\\n# check=skip=all\n"
      "FROM x\n");
  EXPECT_EQ(cf.syntax, "docker/dockerfile:1.7");
  EXPECT_EQ(cf.check, "skip=all");
  EXPECT_EQ(cf.escape, '\\');
  // After an instruction, a blank line, another comment or an unknown directive, a directive
  // line is only a comment.
  for (const char* text : {"FROM x\n# escape=`\nRUN a `\n", "\n# escape=`\nRUN a `\n",
                           "# hello\n# escape=`\nRUN a `\n", "# foo=bar\n# escape=`\nRUN a `\n"}) {
    Containerfile later = MustParse(text);
    EXPECT_EQ(later.escape, '\\') << text;
    EXPECT_EQ(later.instructions.back().args.back(), '`') << text;
  }
}

TEST(ContainerfileParserTest, BadDirectivesAreErrors) {
  EXPECT_EQ(ParseError("# escape=x\nFROM a\n"),
            "Containerfile:1: invalid escape token 'x' does not match ` or \\: # escape=x");
  EXPECT_EQ(ParseError("# escape=`\n# Escape=\\\nFROM a\n"),
            "Containerfile:2: only one escape parser directive can be used: # Escape=\\");
  EXPECT_EQ(ParseError("# syntax=a\n# syntax=b\nFROM a\n"),
            "Containerfile:2: only one syntax parser directive can be used: # syntax=b");
}

TEST(ContainerfileParserTest, UnknownInstructionNamesFileAndLine) {
  EXPECT_EQ(ParseError("FROM busybox\n\n# c\nFORM busybox\n"),
            "Containerfile:4: unknown instruction: FORM busybox");
  auto r = Parse("FROM a\n  Frobnicate  x y  \n", "build/Dockerfile.dev");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "build/Dockerfile.dev:2: unknown instruction: Frobnicate  x y");
}

TEST(ContainerfileParserTest, ErrorsInAContinuedInstructionNameItsFirstLine) {
  EXPECT_EQ(ParseError("FROM a\nCOPY \\\n  onlyone\n"),
            "Containerfile:2: COPY requires at least two arguments, but only one was provided. "
            "Destination could not be determined: COPY   onlyone");
}

TEST(ContainerfileParserTest, AFileWithoutInstructionsIsAnError) {
  EXPECT_EQ(ParseError(""), "Containerfile:1: file with no instructions");
  EXPECT_EQ(ParseError("# only\n\n  # comments\n"), "Containerfile:3: file with no instructions");
  EXPECT_EQ(ParseError("# syntax=docker/dockerfile:1\n"),
            "Containerfile:1: file with no instructions");
}

TEST(ContainerfileParserTest, OriginalIsTheTrimmedLogicalLine) {
  Instruction run = One("   RUN  echo   hi  \t\n");
  EXPECT_EQ(run.original, "RUN  echo   hi");
  EXPECT_EQ(run.args, "echo   hi");
}

TEST(ContainerfileParserTest, InstructionErrorUsesTheSameFormat) {
  Containerfile cf = MustParse("FROM a\n\nCOPY --from=nope x /y\n");
  Error e = InstructionError("Containerfile", cf.instructions[1], "no stage or image named nope");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message, "Containerfile:3: no stage or image named nope: COPY --from=nope x /y");
}

TEST(ContainerfileParserTest, FindFlagReturnsTheLastOfItsName) {
  Instruction run =
      One("RUN --mount=type=cache,target=/a --network=none --mount=type=tmpfs,target=/t x");
  const Flag* mount = FindFlag(run, "mount");
  ASSERT_NE(mount, nullptr);
  EXPECT_EQ(mount->value, "type=tmpfs,target=/t");
  EXPECT_EQ(FindFlag(run, "security"), nullptr);
}

TEST(ContainerfileParserTest, DumpShowsTheShape) {
  Containerfile cf = MustParse(
      "FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\n"
      "ENV A=1 B=\"two words\"\nCOPY --link [\"a b\", \"/c/\"]\n"
      "HEALTHCHECK --interval=30s --retries=3 CMD curl -f localhost\n");
  ASSERT_EQ(cf.instructions.size(), 4u);
  EXPECT_EQ(Dump(cf.instructions[0]),
            "1 FROM [--platform=$BUILDPLATFORM] image \"golang:1.22\" as \"build\"");
  EXPECT_EQ(Dump(cf.instructions[1]), "2 ENV \"A\"=\"1\" \"B\"=\"\\\"two words\\\"\"");
  EXPECT_EQ(Dump(cf.instructions[2]), "3 COPY [--link] json [\"a b\",\"/c/\"]");
  EXPECT_EQ(Dump(cf.instructions[3]),
            "4 HEALTHCHECK [--interval=30s --retries=3] cmd shell \"curl -f localhost\" "
            "interval=30s retries=3");
}

TEST(ContainerfileParserTest, InstructionsCompareDeeply) {
  Containerfile a = MustParse("ONBUILD RUN echo hi\n");
  Containerfile b = MustParse("ONBUILD RUN echo hi\n");
  Containerfile c = MustParse("ONBUILD RUN echo ho\n");
  EXPECT_EQ(a.instructions[0], b.instructions[0]);
  EXPECT_NE(a.instructions[0].trigger, b.instructions[0].trigger);  // distinct objects
  EXPECT_FALSE(a.instructions[0] == c.instructions[0]);
}

}  // namespace
}  // namespace berth::builder
