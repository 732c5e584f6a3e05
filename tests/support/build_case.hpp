// BuildCase: one directory of testdata/build/ (a build context plus its `expect` file) as
// data: how to build it and what the built image must show. The format of `expect` is
// documented in testdata/build/README.md; this parser is its reference.
//
// Terms. The *case dir* is testdata/build/<name>/. The *context* a test builds is a copy
// of the case dir without `expect` and `prepare.sh`, after prepare.sh (when present) ran in
// it, so a case can generate inputs (tar archives) instead of checking in binaries.
//
// Plain values; LoadBuildCases and PrepareContext touch only the paths they are given.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace berth::testing {

// `sh`, `exec` or `default`, with the stdout lines that must follow.
struct RunCheck {
  enum class Kind { kSh, kExec, kDefault };
  Kind kind = Kind::kSh;
  std::vector<std::string> argv;        // kSh: {"/bin/sh", "-c", SCRIPT}; kDefault: empty
  std::vector<std::string> want_lines;  // the whole stdout, line by line
  int line = 0;                         // in `expect`
};

// `config FIELD JSON` (inside the image config's "config") or `image FIELD JSON` (top level).
struct FieldCheck {
  bool top_level = false;
  std::string field;
  nlohmann::json want;  // null: absent (empty arrays and objects count as absent)
  int line = 0;
};

// `prebuild NAME FILE`: built from the same context with `-f FILE` and tagged NAME first.
struct Prebuild {
  std::string name;
  std::string file;
};

struct BuildCase {
  std::string name;                     // the case dir's name
  std::filesystem::path dir;            // the case dir
  std::string parse_error;              // "expect:LINE: why" when `expect` is malformed, else ""
  std::vector<std::string> build_args;  // `build` words, "{context}" not yet replaced
  std::vector<Prebuild> prebuilds;
  std::vector<RunCheck> runs;
  std::vector<FieldCheck> fields;
  std::vector<std::string> history_lacks;
  std::optional<int> layers;
  std::vector<std::string> errors;  // non-empty: the build must fail, stderr has each
  std::string oracle_skip;          // why buildah cannot check this case, or ""
  bool differential = false;        // part of the berth-vs-buildah differential test

  bool ExpectsFailure() const { return !errors.empty(); }
};

// For GoogleTest's parameter output: the case name.
void PrintTo(const BuildCase& c, std::ostream* os);

// Parses the text of an `expect` file into `out` (name and dir are left as they are).
// Returns "" or "expect:LINE: why".
std::string ParseExpect(const std::string& text, BuildCase* out);

// testdata/build under the source tree.
std::filesystem::path BuildTestdataDir();

// Every case dir under `root` (sorted by name), parsed; a case whose `expect` is missing or
// malformed carries the reason in parse_error.
std::vector<BuildCase> LoadBuildCases(const std::filesystem::path& root);

// A name usable in a GoogleTest parameter name ("copy-chown" -> "copy_chown").
std::string TestNameOf(const BuildCase& c);

// Copies the case dir to `dest` (which must not exist) without `expect`, symlinks kept as
// symlinks, modes kept; runs `prepare.sh` there (cwd `dest`) if the case has one and
// removes it. Returns "" or why it failed.
std::string PrepareContext(const BuildCase& c, const std::filesystem::path& dest);

// `args` with every "{context}" replaced by `context`.
std::vector<std::string> SubstituteContext(const std::vector<std::string>& args,
                                           const std::filesystem::path& context);

}  // namespace berth::testing
