// Heredocs after RUN, COPY, ADD (and such ONBUILD triggers): markers, bodies, line numbers.
#include <gtest/gtest.h>

#include "berth/builder/containerfile.hpp"
#include "parse_helpers.hpp"

namespace berth::builder {
namespace {

using testing::MustParse;
using testing::One;
using testing::ParseError;
using V = std::vector<std::string>;

Heredoc Doc(std::string name, std::string content, bool expand = true, bool strip_tabs = false,
            unsigned fd = 0) {
  return Heredoc{std::move(name), std::move(content), expand, strip_tabs, fd};
}

TEST(HeredocTest, RunScriptBodyAndLines) {
  Containerfile cf = MustParse(
      "FROM a\nRUN <<EOF\n# not a comment here\n\necho \"$HOME\"\nEOF\n"
      "CMD done\n");
  ASSERT_EQ(cf.instructions.size(), 3u);
  const Instruction& run = cf.instructions[1];
  EXPECT_EQ(run.command.shell, "<<EOF");
  EXPECT_EQ(run.original, "RUN <<EOF");
  EXPECT_EQ(run.heredocs,
            std::vector<Heredoc>{Doc("EOF", "# not a comment here\n\necho \"$HOME\"\n")});
  EXPECT_EQ(run.line, 2);
  EXPECT_EQ(run.end_line, 6);
  EXPECT_EQ(cf.instructions[2].line, 7);
}

TEST(HeredocTest, DashFormStripsLeadingTabs) {
  Instruction run = One("RUN <<-EOT bash -e\n\tif true; then\n\t\techo  yes\n\tfi\n\tEOT\n");
  EXPECT_EQ(run.heredocs,
            std::vector<Heredoc>{Doc("EOT", "if true; then\necho  yes\nfi\n", true, true)});
  // Without the dash a tab-indented delimiter does not end the body.
  EXPECT_EQ(ParseError("RUN <<EOT\n\tEOT\n"),
            "Containerfile:1: unterminated heredoc \"EOT\": RUN <<EOT");
}

TEST(HeredocTest, QuotedDelimiterTurnsExpansionOff) {
  EXPECT_EQ(One("RUN <<\"EOF\"\n$X\nEOF\n").heredocs,
            std::vector<Heredoc>{Doc("EOF", "$X\n", false)});
  EXPECT_EQ(One("RUN <<'EOF'\n$X\nEOF\n").heredocs,
            std::vector<Heredoc>{Doc("EOF", "$X\n", false)});
  EXPECT_EQ(One("RUN <<E\"O\"F\n$X\nEOF\n").heredocs,
            std::vector<Heredoc>{Doc("EOF", "$X\n", false)});
  EXPECT_EQ(One("RUN <<-'EOF'\n\t$X\nEOF\n").heredocs,
            std::vector<Heredoc>{Doc("EOF", "$X\n", false, true)});
}

TEST(HeredocTest, SeveralHeredocsOnOneLineAreReadInOrder) {
  Instruction run = One("RUN cat <<A <<'B' 3<<C > /out\na1\nA\nb1\nb2\nB\nC\n");
  EXPECT_EQ(run.heredocs, (std::vector<Heredoc>{Doc("A", "a1\n"), Doc("B", "b1\nb2\n", false),
                                                Doc("C", "", true, false, 3)}));
  EXPECT_EQ(run.command.shell, "cat <<A <<'B' 3<<C > /out");
  EXPECT_EQ(run.end_line, 7);
}

TEST(HeredocTest, CopyInlineFiles) {
  Instruction copy =
      One("COPY --chmod=755 <<run.sh config.yml <<-\"etc\" /app/\n#!/bin/sh\n"
          "exec app\nrun.sh\n\tliteral $x\n\tetc\n");
  EXPECT_EQ(copy.words, (V{"config.yml", "/app/"}));
  EXPECT_EQ(copy.heredocs, (std::vector<Heredoc>{Doc("run.sh", "#!/bin/sh\nexec app\n"),
                                                 Doc("etc", "literal $x\n", false, true)}));
  Instruction single = One("COPY <<EOF /etc/motd\nwelcome\nEOF");
  EXPECT_EQ(single.words, (V{"/etc/motd"}));
  EXPECT_EQ(single.heredocs, std::vector<Heredoc>{Doc("EOF", "welcome\n")});
}

TEST(HeredocTest, OnlyRunCopyAndAddInShellFormTakeHeredocs) {
  Containerfile cf = MustParse("CMD <<EOF\nRUN [\"cat\", \"<<EOF\"]\nRUN cat<<EOF\n");
  ASSERT_EQ(cf.instructions.size(), 3u);
  for (const Instruction& in : cf.instructions) EXPECT_TRUE(in.heredocs.empty()) << in.original;
  // The line after "cat<<EOF" (no word starts with <<, as in BuildKit) is an instruction.
  EXPECT_EQ(ParseError("RUN cat<<EOF\nhello\nEOF\n"),
            "Containerfile:2: unknown instruction: hello");
  EXPECT_TRUE(One("COPY [\"<<EOF\", \"/x\"]").heredocs.empty());
}

TEST(HeredocTest, OnbuildTriggerCarriesTheHeredoc) {
  Containerfile cf = MustParse("ONBUILD RUN <<EOF\necho later\nEOF\nUSER app\n");
  ASSERT_EQ(cf.instructions.size(), 2u);
  const Instruction& onbuild = cf.instructions[0];
  ASSERT_NE(onbuild.trigger, nullptr);
  EXPECT_EQ(onbuild.trigger->heredocs, std::vector<Heredoc>{Doc("EOF", "echo later\n")});
  EXPECT_TRUE(onbuild.heredocs.empty());
  EXPECT_EQ(onbuild.end_line, 3);
  EXPECT_EQ(onbuild.trigger->line, 1);
  EXPECT_EQ(cf.instructions[1].line, 4);
}

TEST(HeredocTest, DelimiterMustMatchTheWholeLine) {
  Instruction run = One("RUN <<EOF\nEOF \n EOF\nEOFX\nEOF\n");
  EXPECT_EQ(run.heredocs, std::vector<Heredoc>{Doc("EOF", "EOF \n EOF\nEOFX\n")});
  // CRLF lines: the delimiter matches without its \r, the body keeps the line endings.
  EXPECT_EQ(One("RUN <<EOF\r\nx\r\nEOF\r\n").heredocs, std::vector<Heredoc>{Doc("EOF", "x\r\n")});
}

TEST(HeredocTest, HeredocAfterAContinuation) {
  Instruction run = One("RUN --network=none \\\n  python3 <<PY\nprint(1)\nPY\n");
  EXPECT_EQ(run.command.shell, "python3 <<PY");
  EXPECT_EQ(run.heredocs, std::vector<Heredoc>{Doc("PY", "print(1)\n")});
  EXPECT_EQ(run.end_line, 4);
}

TEST(HeredocTest, UnterminatedHeredocIsAnError) {
  EXPECT_EQ(ParseError("FROM a\nRUN <<EOF\necho hi\n"),
            "Containerfile:2: unterminated heredoc \"EOF\": RUN <<EOF");
  EXPECT_EQ(ParseError("FROM a\nRUN <<A <<B\nA\n"),
            "Containerfile:2: unterminated heredoc \"B\": RUN <<A <<B");
}

}  // namespace
}  // namespace berth::builder
