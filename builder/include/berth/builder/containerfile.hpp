// The Containerfile (Dockerfile) as an AST: what the parser makes of the text, before any stage
// planning, variable expansion or execution.
//
// The language is BuildKit's (docs.docker.com/reference/dockerfile): parser directives
// (`# syntax=`, `# escape=`, `# check=`) on the first lines only; `#` comment lines; lines
// continued with the escape character (comment and blank lines inside a continuation are
// skipped); instructions case-insensitive; heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`) after RUN,
// COPY and ADD in shell form. The parser checks what is syntax: known instruction names, the
// flags each instruction accepts, the number and shape of arguments, JSON arrays, HEALTHCHECK
// options. It does not expand variables (expand.hpp does, later, with the stage's ARG/ENV), so
// argument text is kept as written, quotes and escapes included.
//
// Terms. A *logical line* is an instruction's physical lines joined at continuations. The
// *exec form* is a JSON array of strings (`CMD ["a", "b"]`), exactly as Docker detects it: the
// argument text starts with a valid JSON array (text after its `]` is ignored, as in Docker);
// an array holding anything but strings is an error; everything else is the *shell form*.
//
// Value types; Parse is stateless and thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::builder {

// A `--name[=value]` flag written before an instruction's arguments.
struct Flag {
  std::string name;        // without the dashes: "from", "mount", "link"
  std::string value;       // after '=', quotes and backslash escapes removed; "" without '='
  bool has_value = false;  // '=' was written ("--link" alone has none)
  bool operator==(const Flag&) const = default;
};

// A here-document: the lines after the instruction up to the delimiter line.
struct Heredoc {
  std::string name;         // the delimiter with quotes removed: "EOF"
  std::string content;      // the body lines, each ending in its newline; "" for an empty body
  bool expand = true;       // false when any part of the delimiter was quoted (<<"EOF", <<'EOF')
  bool strip_tabs = false;  // <<-EOF: leading tabs are already stripped from content's lines
  unsigned fd = 0;          // the file descriptor written before "<<" ("3<<EOF"); 0 = stdin
  bool operator==(const Heredoc&) const = default;
};

// RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK CMD's argument.
struct Command {
  bool exec_form = false;         // a JSON array of strings
  std::vector<std::string> exec;  // exec form: the array's strings (never expanded)
  std::string shell;              // shell form: the text as written, heredoc markers included
  bool operator==(const Command&) const = default;
};

// An ENV or LABEL pair, or an ARG declaration.
struct KeyValue {
  std::string key;
  std::string value;       // as written: quotes, escapes and $references kept
  bool has_value = false;  // false only for an ARG without "=default"
  bool operator==(const KeyValue&) const = default;
};

// HEALTHCHECK's argument and options (the flags, parsed). Durations must be 0 or >= 1ms.
struct Healthcheck {
  bool none = false;  // HEALTHCHECK NONE: disable the base image's check
  Command test;       // HEALTHCHECK CMD <command>
  std::optional<std::chrono::nanoseconds> interval, timeout, start_period, start_interval;
  std::optional<int> retries;  // >= 1
  bool operator==(const Healthcheck&) const = default;
};

struct Instruction {
  std::string keyword;  // upper case: "RUN"
  int line = 0;         // 1-based line where the instruction starts
  int end_line = 0;     // its last line, continuation lines and heredoc bodies included
  // The logical line as written, trimmed ("RUN echo hi"), for messages and "STEP n/m: ...".
  std::string original;
  std::vector<Flag> flags;  // in written order; names checked against the instruction
  std::string args;         // the argument text after the flags, trimmed, as written
  // RUN, COPY and ADD in shell form (and such an ONBUILD trigger): the line's heredocs, in order.
  std::vector<Heredoc> heredocs;

  // The parsed arguments; which fields are set depends on the keyword, the others stay empty:
  //   RUN CMD ENTRYPOINT SHELL  command (SHELL: always the exec form)
  //   COPY ADD                  words: the sources, then the destination (JSON elements or
  //                             split at whitespace, as written); heredoc sources (<<EOF) are
  //                             not in words but in heredocs
  //   VOLUME EXPOSE             words
  //   ENV LABEL ARG             pairs (ARG: has_value tells "ARG X" from "ARG X=")
  //   FROM                      value (the image), stage_name; --platform is a flag
  //   USER WORKDIR MAINTAINER STOPSIGNAL   value: the whole argument text
  //   HEALTHCHECK               healthcheck
  //   ONBUILD                   trigger (never ONBUILD, FROM or MAINTAINER)
  Command command;
  std::vector<std::string> words;
  bool json_words = false;  // COPY ADD VOLUME: words came from a JSON array
  std::vector<KeyValue> pairs;
  std::string value;
  std::string stage_name;  // FROM ... AS <name>, lower-cased; "" when unnamed
  Healthcheck healthcheck;
  std::shared_ptr<const Instruction> trigger;

  bool operator==(const Instruction& other) const;  // deep: compares *trigger
};

struct Containerfile {
  std::string file_name;  // as given to Parse, for messages
  char escape = '\\';     // `# escape=` (\ or `)
  std::string syntax;     // `# syntax=` value, "" when absent (berth ignores it, as buildah)
  std::string check;      // `# check=` value, "" when absent
  std::vector<Instruction> instructions;  // at least one
  // "FILE:LINE: empty continuation line: <original>" for each instruction whose continuation
  // ran over blank lines (BuildKit warns; a future Docker will refuse).
  std::vector<std::string> warnings;
};

// Parses `text` (the file's content; `file_name` is only for messages). Fails with
// kInvalidArgument and the one-line message "FILE:LINE: <what>: <offending text>", e.g.
//   Containerfile:3: unknown instruction: FORM busybox
// for an unknown instruction, a flag the instruction does not take or a bad flag value, a wrong
// number or shape of arguments, a JSON array of non-strings, an unterminated heredoc, a
// repeated or invalid parser directive, or a file with no instructions.
Result<Containerfile> Parse(std::string_view text, std::string_view file_name);

// The error that Parse would give about `instruction`: kInvalidArgument,
// "FILE:LINE: <what>: <original>". For later stages (planner, executor) to report the same way.
Error InstructionError(std::string_view file_name, const Instruction& instruction,
                       std::string_view what);

// The flag called `name` (the last one, for repeatable flags), or nullptr.
const Flag* FindFlag(const Instruction& instruction, std::string_view name);

// One line (plus one per heredoc) that shows the parsed shape, for tests and debugging:
//   3-5 RUN [--mount=type=cache,target=/c] shell "<<EOF"
//     heredoc "EOF" expand content="echo hi\n"
std::string Dump(const Instruction& instruction);
std::ostream& operator<<(std::ostream& out, const Instruction& instruction);

}  // namespace berth::builder
