// The Containerfile parser: physical lines to logical lines (directives, comments,
// continuations), each logical line to an Instruction (instruction_parser.cpp), then the
// heredoc bodies that follow it. Line handling follows BuildKit's parser.Parse.
#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "berth/base/strings.hpp"
#include "berth/builder/containerfile.hpp"
#include "heredoc_marker.hpp"
#include "instruction_parser.hpp"

namespace berth::builder {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view TrimNewline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Physical lines, each with its line ending; counts them from 1.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool Next(std::string_view* raw) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    end = end == std::string_view::npos ? text_.size() : end + 1;
    *raw = text_.substr(pos_, end - pos_);
    pos_ = end;
    ++line_;
    return true;
  }
  int line() const { return line_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 0;
};

// Parser directives: "# key=value" lines before anything else. The first line that is not one
// (an instruction, another comment, a blank line) ends them.
struct Directives {
  bool done = false;
  std::set<std::string> seen;

  // Looks at a left-trimmed line while directives may still come; fills `cf`. Fails with <what>.
  Result<void> Check(std::string_view line, Containerfile& cf) {
    if (done) return Ok();
    std::string key;
    std::string value;
    if (!Match(line, key, value) || (key != "syntax" && key != "escape" && key != "check")) {
      done = true;
      return Ok();
    }
    if (!seen.insert(key).second) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "only one " + key + " parser directive can be used");
    }
    if (key == "escape") {
      if (value != "\\" && value != "`") {
        return MakeError(ErrorCode::kInvalidArgument,
                         "invalid escape token '" + value + "' does not match ` or \\");
      }
      cf.escape = value[0];
    }
    if (key == "syntax") cf.syntax = value;
    if (key == "check") cf.check = value;
    return Ok();
  }

  // ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ with the key lower-cased.
  static bool Match(std::string_view line, std::string& key, std::string& value) {
    if (line.empty() || line.front() != '#') return false;
    std::string_view s = TrimLeft(line.substr(1));
    size_t n = 0;
    while (n < s.size() && (std::isalpha(static_cast<unsigned char>(s[n])) ||
                            (n > 0 && std::isdigit(static_cast<unsigned char>(s[n]))))) {
      ++n;
    }
    if (n == 0) return false;
    key.clear();
    for (char c : s.substr(0, n)) key += static_cast<char>(std::tolower(c));
    s = TrimLeft(s.substr(n));
    if (s.empty() || s.front() != '=') return false;
    value = std::string(Trim(s.substr(1)));
    return !value.empty();
  }
};

// `line` without the continuation at its end (the escape character, then only blanks), or
// nullopt when the line does not continue. A doubled escape character does not continue.
std::optional<std::string_view> StripContinuation(std::string_view line, char escape) {
  size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  if (end == 0 || line[end - 1] != escape) return std::nullopt;
  if (end >= 2 && line[end - 2] == escape) return std::nullopt;
  return line.substr(0, end - 1);
}

Error ErrorAt(const Containerfile& cf, int line, std::string_view what, std::string_view text) {
  return MakeError(ErrorCode::kInvalidArgument, cf.file_name + ":" + std::to_string(line) + ": " +
                                                    std::string(what) + ": " + std::string(text));
}

// Reads the bodies of `heredocs` (markers from the instruction's line) from the lines that
// follow. Fails with <what> when the input ends before a delimiter line.
Result<void> ReadHeredocBodies(LineReader& reader, std::vector<Heredoc>& heredocs) {
  for (Heredoc& heredoc : heredocs) {
    bool terminated = false;
    std::string_view raw;
    while (reader.Next(&raw)) {
      std::string_view candidate = TrimNewline(raw);
      while (heredoc.strip_tabs && !candidate.empty() && candidate.front() == '\t') {
        candidate.remove_prefix(1);
      }
      if (candidate == heredoc.name) {
        terminated = true;
        break;
      }
      heredoc.content += raw;
    }
    if (!terminated) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unterminated heredoc \"" + heredoc.name + "\"");
    }
    if (heredoc.strip_tabs) heredoc.content = StripLeadingTabs(heredoc.content);
  }
  return Ok();
}

// The instruction's heredoc bodies; an ONBUILD's belong to its trigger.
Result<void> AttachHeredocs(LineReader& reader, Instruction& in) {
  if (in.keyword != "ONBUILD") return ReadHeredocBodies(reader, in.heredocs);
  auto trigger = std::make_shared<Instruction>(*in.trigger);
  BERTH_TRY(ReadHeredocBodies(reader, trigger->heredocs));
  trigger->line = in.line;
  trigger->end_line = reader.line();
  in.trigger = std::move(trigger);
  return Ok();
}

}  // namespace

Result<Containerfile> Parse(std::string_view text, std::string_view file_name) {
  Containerfile cf;
  cf.file_name = std::string(file_name);
  Directives directives;
  LineReader reader(text);
  std::string_view raw;
  while (reader.Next(&raw)) {
    int start = reader.line();
    std::string_view line = TrimNewline(raw);
    if (start == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 BOM
    line = TrimLeft(line);
    if (auto r = directives.Check(line, cf); !r) return ErrorAt(cf, start, r.error().message, line);
    if (!line.empty() && line.front() == '#') continue;  // a comment
    std::optional<std::string_view> continued = StripContinuation(line, cf.escape);
    if (!continued && line.empty()) continue;

    std::string logical(continued ? *continued : line);
    bool empty_continuation = false;
    while (continued && reader.Next(&raw)) {
      // Continuation lines keep their leading whitespace; comment lines and blank lines
      // inside a continuation are skipped, as BuildKit does.
      std::string_view next = TrimNewline(raw);
      std::string_view trimmed = TrimLeft(next);
      if (!trimmed.empty() && trimmed.front() == '#') continue;
      if (trimmed.empty()) {
        empty_continuation = true;
        continue;
      }
      continued = StripContinuation(next, cf.escape);
      logical += continued ? *continued : next;
    }

    auto in = ParseInstructionLine(logical, cf.escape);
    if (!in) return ErrorAt(cf, start, in.error().message, Trim(logical));
    in->line = start;
    if (auto r = AttachHeredocs(reader, *in); !r) {
      return ErrorAt(cf, start, r.error().message, in->original);
    }
    in->end_line = reader.line();
    if (empty_continuation) {
      cf.warnings.push_back(cf.file_name + ":" + std::to_string(start) +
                            ": empty continuation line: " + in->original);
    }
    cf.instructions.push_back(std::move(*in));
  }
  if (cf.instructions.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, cf.file_name + ":" +
                                                      std::to_string(std::max(1, reader.line())) +
                                                      ": file with no instructions");
  }
  return cf;
}

}  // namespace berth::builder
