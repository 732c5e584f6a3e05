// The realistic Containerfiles in testdata/containerfiles/parser: each parses, its AST
// matches the .ast file next to it (Dump of each instruction), and the points that matter for
// each file are asserted here as well. BERTH_UPDATE_GOLDEN=1 rewrites the .ast files (review
// the diff before committing).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "berth/base/fs.hpp"
#include "berth/builder/containerfile.hpp"

namespace berth::builder {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::string>;

const fs::path kDir = fs::path(BERTH_SOURCE_DIR) / "testdata" / "containerfiles" / "parser";

Containerfile ParseTestdata(const std::string& name) {
  auto text = ReadFile(kDir / name);
  EXPECT_TRUE(text) << text.error().message;
  if (!text) return {};
  auto cf = Parse(*text, name);
  EXPECT_TRUE(cf) << cf.error().message;
  return cf ? *cf : Containerfile{};
}

std::string Render(const Containerfile& cf) {
  std::string out = "escape " + std::string(1, cf.escape) + "\n";
  if (!cf.syntax.empty()) out += "syntax " + cf.syntax + "\n";
  if (!cf.check.empty()) out += "check " + cf.check + "\n";
  for (const std::string& warning : cf.warnings) out += "warning " + warning + "\n";
  for (const Instruction& in : cf.instructions) out += Dump(in) + "\n";
  return out;
}

TEST(ContainerfileTestdataTest, EachFileMatchesItsAst) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kDir)) {
    if (entry.path().extension() == ".Containerfile") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 5u) << kDir;
  bool update = std::getenv("BERTH_UPDATE_GOLDEN") != nullptr;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    std::string got = Render(ParseTestdata(file.filename().string()));
    fs::path golden = fs::path(file).replace_extension(".ast");
    if (update) {
      ASSERT_TRUE(WriteFileReplace(golden, got));
      continue;
    }
    auto want = ReadFile(golden);
    ASSERT_TRUE(want) << want.error().message;
    EXPECT_EQ(got, *want);
  }
}

std::vector<const Instruction*> Stages(const Containerfile& cf) {
  std::vector<const Instruction*> stages;
  for (const Instruction& in : cf.instructions) {
    if (in.keyword == "FROM") stages.push_back(&in);
  }
  return stages;
}

TEST(ContainerfileTestdataTest, MultiStageWithHeredocs) {
  Containerfile cf = ParseTestdata("multistage-heredoc.Containerfile");
  EXPECT_EQ(cf.syntax, "docker/dockerfile:1.7");
  EXPECT_EQ(cf.check, "error=true");
  ASSERT_EQ(cf.instructions.size(), 17u);
  EXPECT_EQ(cf.instructions[0].keyword, "ARG");  // global ARGs before the first FROM
  auto stages = Stages(cf);
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0]->stage_name, "build");
  EXPECT_EQ(stages[0]->value, "golang:${GO_VERSION}-alpine");
  EXPECT_EQ(stages[1]->stage_name, "runtime");
  const Instruction& build = cf.instructions[7];
  ASSERT_EQ(build.heredocs.size(), 1u);
  EXPECT_EQ(build.line, 15);
  EXPECT_EQ(build.end_line, 19);
  EXPECT_NE(build.heredocs[0].content.find("\\\n  go build"), std::string::npos);
  const Instruction& config = cf.instructions[11];
  EXPECT_EQ(config.words, V{"/etc/server/config.yaml"});
  ASSERT_EQ(config.heredocs.size(), 1u);
  EXPECT_FALSE(config.heredocs[0].expand);
  EXPECT_EQ(config.heredocs[0].content, "listen: \":8080\"\nlog_level: ${LOG_LEVEL}\n");
  const Instruction& health = cf.instructions[14];
  EXPECT_EQ(health.healthcheck.test.exec, (V{"/usr/local/bin/server", "-healthcheck"}));
  EXPECT_EQ(health.healthcheck.retries, 3);
}

TEST(ContainerfileTestdataTest, WindowsEscape) {
  Containerfile cf = ParseTestdata("windows-escape.Containerfile");
  EXPECT_EQ(cf.escape, '`');
  ASSERT_EQ(cf.instructions.size(), 8u);
  EXPECT_EQ(cf.instructions[2].pairs, (std::vector<KeyValue>{{"APP_HOME", "C:\\app", true}}));
  EXPECT_EQ(cf.instructions[3].value, "C:\\app");
  const Instruction& run = cf.instructions[4];
  EXPECT_EQ(run.line, 8);
  EXPECT_EQ(run.end_line, 11);
  EXPECT_EQ(run.command.shell.find('`'), std::string::npos);
  EXPECT_NE(run.command.shell.find("Write-Host done"), std::string::npos);
  EXPECT_EQ(cf.instructions[5].words, (V{"bin\\server.exe", "C:\\app\\"}));
  EXPECT_EQ(cf.instructions[6].command.shell, "echo c:\\path\\ends\\with\\backslash\\");
}

TEST(ContainerfileTestdataTest, LegacyForms) {
  Containerfile cf = ParseTestdata("legacy-docker.Containerfile");
  ASSERT_EQ(cf.instructions.size(), 14u);
  EXPECT_EQ(cf.instructions[1].value, "Jane Doe <jane@example.com>");
  EXPECT_EQ(cf.instructions[2].pairs,
            (std::vector<KeyValue>{{"DEBIAN_FRONTEND", "noninteractive", true}}));
  EXPECT_EQ(cf.instructions[3].pairs.size(), 2u);
  ASSERT_EQ(cf.warnings.size(), 1u);  // the blank line inside the apt-get continuation
  EXPECT_EQ(cf.warnings[0].rfind("legacy-docker.Containerfile:7: empty continuation line: ", 0),
            0u);
  EXPECT_TRUE(cf.instructions[7].json_words);
  const Instruction& onbuild = cf.instructions[10];
  ASSERT_NE(onbuild.trigger, nullptr);
  EXPECT_EQ(onbuild.trigger->keyword, "RUN");
  EXPECT_EQ(cf.instructions.back().command.shell, "tool serve --port 8080");
}

TEST(ContainerfileTestdataTest, PythonAppWithLowerCaseAndNestedHeredocText) {
  Containerfile cf = ParseTestdata("python-app.Containerfile");
  auto stages = Stages(cf);
  ASSERT_EQ(stages.size(), 3u);
  EXPECT_EQ(stages[2]->value, "deps");
  EXPECT_EQ(stages[2]->stage_name, "final");
  const Instruction* run = nullptr;
  for (const Instruction& in : cf.instructions) {
    if (in.keyword == "RUN" && !in.heredocs.empty()) run = &in;
  }
  ASSERT_NE(run, nullptr);
  ASSERT_EQ(run->heredocs.size(), 1u);  // <<'INNER' is body text, not a second heredoc
  EXPECT_EQ(run->heredocs[0].name, "EOT");
  EXPECT_TRUE(run->heredocs[0].strip_tabs);
  EXPECT_NE(run->heredocs[0].content.find("<<'INNER'\n#!/bin/sh\n"), std::string::npos);
  EXPECT_TRUE(cf.instructions[cf.instructions.size() - 3].healthcheck.none);
}

TEST(ContainerfileTestdataTest, BusyboxWithFdHeredocs) {
  Containerfile cf = ParseTestdata("busybox-minimal.Containerfile");
  ASSERT_EQ(cf.instructions.size(), 4u);
  EXPECT_EQ(cf.instructions[0].line, 2);
  const Instruction& run = cf.instructions[2];
  ASSERT_EQ(run.heredocs.size(), 2u);
  EXPECT_EQ(run.heredocs[0].fd, 3u);
  EXPECT_EQ(run.heredocs[0].content, "fd three\n");
  EXPECT_FALSE(run.heredocs[1].expand);
  EXPECT_EQ(cf.instructions[3].line, 10);
}

}  // namespace
}  // namespace berth::builder
