// RunBerth: runs the berth binary under test (BERTH_BINARY) against a given store root and
// captures exit status, stdout and stderr, for tests of the CLI's behaviour as a user sees it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace berth::testing {

struct CliResult {
  int status = -1;  // exit code, or 128 + signal
  std::string out;
  std::string err;
};

// Runs `binary --root <root> args...`; stdin is /dev/null.
CliResult RunCli(const std::string& binary, const std::filesystem::path& root,
                 const std::vector<std::string>& args);

struct CliInput {
  std::string stdin_text;        // what the command reads on stdin (at most 64 KiB), then EOF
  std::vector<std::string> env;  // "NAME=VALUE" set in the command's environment
};

// The environment of a command with credential files of its own: XDG_RUNTIME_DIR and HOME
// are `dir`/xdg and `dir`/home (made here), so neither the machine's auth.json nor another
// test's decides what a registry command sends.
CliInput OwnCredentialDirs(const std::filesystem::path& dir);

// As RunCli, with `input` on stdin and extra environment variables.
CliResult RunCli(const std::string& binary, const std::filesystem::path& root,
                 const std::vector<std::string>& args, const CliInput& input);

// As RunCli, but records a test failure (with the command and its output) unless it exits 0;
// returns stdout, or "" on failure.
std::string RunCliOk(const std::string& binary, const std::filesystem::path& root,
                     const std::vector<std::string>& args);

// The one line a failed command prints: records a test failure unless it exited 125 with
// exactly one stderr line starting "berth: " (progress lines may precede it); returns the
// last stderr line.
std::string OneLineError(const CliResult& r);

// The whole content of a text file ("" if it cannot be read).
std::string ReadText(const std::filesystem::path& path);

// `text` without trailing newlines and spaces.
std::string TrimTrailing(std::string text);

// Splits text into lines without their '\n'.
std::vector<std::string> Lines(const std::string& text);

}  // namespace berth::testing
