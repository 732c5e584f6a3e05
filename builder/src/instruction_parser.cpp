// One instruction from its logical line: the keyword, the flags, then the argument shape the
// keyword calls for (BuildKit's line parsers plus the syntax checks of its instructions
// package). ENV/LABEL/ARG and HEALTHCHECK shapes are in their own files.
#include "instruction_parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "berth/base/strings.hpp"
#include "heredoc_marker.hpp"
#include "instruction_flags.hpp"
#include "json_array.hpp"

namespace berth::builder {

namespace {

constexpr std::array<std::string_view, 18> kKeywords = {
    "ADD",    "ARG",   "CMD",         "COPY",  "ENTRYPOINT", "ENV",
    "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
    "RUN",    "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR"};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

Error Invalid(std::string what) { return MakeError(ErrorCode::kInvalidArgument, std::move(what)); }

std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view FirstWord(std::string_view text) {
  size_t end = 0;
  while (end < text.size() && !IsSpace(text[end])) ++end;
  return text.substr(0, end);
}

Result<Command> ParseCommandText(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(auto json, ParseJsonStringArray(text));
  Command command;
  if (json) {
    command.exec_form = true;
    command.exec = std::move(*json);
  } else {
    command.shell = std::string(text);
  }
  return command;
}

// RUN, CMD, ENTRYPOINT, SHELL.
Result<void> ParseCommandArgs(Instruction& in) {
  BERTH_ASSIGN_OR_RETURN(in.command, ParseCommandText(in.args));
  bool empty = in.command.exec_form ? in.command.exec.empty() : in.command.shell.empty();
  if (in.keyword == "SHELL") {
    if (!in.command.exec_form && !empty) {
      return Invalid("SHELL requires the arguments to be in JSON form");
    }
    if (empty) return Invalid("SHELL requires at least one argument");
  }
  if (in.keyword == "RUN" && empty) return Invalid("RUN requires at least one argument");
  return Ok();
}

// COPY, ADD, VOLUME (JSON array or whitespace-separated) and EXPOSE (whitespace-separated).
Result<void> ParseListArgs(Instruction& in) {
  if (in.keyword != "EXPOSE") {
    BERTH_ASSIGN_OR_RETURN(auto json, ParseJsonStringArray(in.args));
    if (json) {
      in.json_words = true;
      in.words = std::move(*json);
      return Ok();
    }
  }
  in.words = SplitAtWhitespace(in.args);
  return Ok();
}

Result<void> ParseCopyArgs(Instruction& in) {
  BERTH_TRY(ParseListArgs(in));
  if (in.words.size() < 2) {
    return Invalid(in.keyword +
                   " requires at least two arguments, but only one was provided. Destination "
                   "could not be determined");
  }
  if (ParseHeredocMarker(in.words.back())) {
    return Invalid(in.keyword + " cannot accept a heredoc as a destination");
  }
  if (!in.json_words) {
    // Heredoc sources are inline files: their content comes with the heredocs, not as paths.
    std::erase_if(in.words, [](const std::string& w) { return ParseHeredocMarker(w).has_value(); });
  }
  return Ok();
}

Result<void> ParseVolumeArgs(Instruction& in) {
  BERTH_TRY(ParseListArgs(in));
  if (in.words.empty()) return Invalid("VOLUME requires at least one argument");
  for (std::string& word : in.words) {
    word = std::string(Trim(word));
    if (word.empty()) return Invalid("VOLUME specified can not be an empty string");
  }
  return Ok();
}

Result<void> ParseFromArgs(Instruction& in) {
  std::vector<std::string> words = SplitAtWhitespace(in.args);
  if (words.size() == 3 && Lower(words[1]) == "as") {
    std::string name = Lower(words[2]);
    bool valid =
        name[0] >= 'a' && name[0] <= 'z' && std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                 c == '.';
        });
    if (!valid) {
      return Invalid("invalid name for build stage: \"" + words[2] +
                     "\", name can't start with a number or contain symbols");
    }
    in.stage_name = std::move(name);
  } else if (words.size() != 1) {
    return Invalid("FROM requires either one or three arguments");
  }
  in.value = words[0];
  return Ok();
}

// USER, WORKDIR, MAINTAINER, STOPSIGNAL: the whole text is the one argument.
Result<void> ParseSingleArg(Instruction& in) {
  if (in.args.empty()) return Invalid(in.keyword + " requires exactly one argument");
  in.value = in.args;
  return Ok();
}

Result<void> ParseOnbuildArgs(Instruction& in, char escape) {
  if (in.args.empty()) return Invalid("ONBUILD requires at least one argument");
  std::string trigger = Upper(FirstWord(in.args));
  if (trigger == "ONBUILD") return Invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger == "FROM" || trigger == "MAINTAINER") {
    return Invalid(trigger + " isn't allowed as an ONBUILD trigger");
  }
  BERTH_ASSIGN_OR_RETURN(Instruction nested, ParseInstructionLine(in.args, escape));
  in.trigger = std::make_shared<const Instruction>(std::move(nested));
  return Ok();
}

Result<void> ParseShape(Instruction& in, char escape) {
  const std::string& k = in.keyword;
  if (k == "RUN" || k == "CMD" || k == "ENTRYPOINT" || k == "SHELL") return ParseCommandArgs(in);
  if (k == "COPY" || k == "ADD") return ParseCopyArgs(in);
  if (k == "VOLUME") return ParseVolumeArgs(in);
  if (k == "EXPOSE") {
    BERTH_TRY(ParseListArgs(in));
    if (in.words.empty()) return Invalid("EXPOSE requires at least one argument");
    return Ok();
  }
  if (k == "ENV" || k == "LABEL") return ParseKeyValueArgs(in, escape);
  if (k == "ARG") return ParseArgArgs(in, escape);
  if (k == "FROM") return ParseFromArgs(in);
  if (k == "HEALTHCHECK") return ParseHealthcheckArgs(in);
  if (k == "ONBUILD") return ParseOnbuildArgs(in, escape);
  return ParseSingleArg(in);  // USER WORKDIR MAINTAINER STOPSIGNAL
}

}  // namespace

std::vector<std::string> SplitAtWhitespace(std::string_view text) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && IsSpace(text[pos])) ++pos;
    size_t start = pos;
    while (pos < text.size() && !IsSpace(text[pos])) ++pos;
    if (pos > start) words.emplace_back(text.substr(start, pos - start));
  }
  return words;
}

bool TakesHeredocs(const Instruction& in) {
  if (in.keyword == "RUN") return !in.command.exec_form;
  if (in.keyword == "COPY" || in.keyword == "ADD") return !in.json_words;
  if (in.keyword == "ONBUILD") return in.trigger != nullptr && TakesHeredocs(*in.trigger);
  return false;
}

Result<Instruction> ParseInstructionLine(std::string_view line, char escape) {
  Instruction in;
  std::string_view text = Trim(line);
  in.original = std::string(text);
  std::string_view keyword = FirstWord(text);
  in.keyword = Upper(keyword);
  if (std::find(kKeywords.begin(), kKeywords.end(), in.keyword) == kKeywords.end()) {
    return Invalid("unknown instruction");
  }
  FlagsAndRest split = SplitFlags(text.substr(keyword.size()));
  in.flags = std::move(split.flags);
  in.args = std::string(split.rest);
  BERTH_TRY(CheckFlags(in.keyword, in.flags));
  BERTH_TRY(ParseShape(in, escape));
  if (in.keyword != "ONBUILD" && TakesHeredocs(in)) in.heredocs = HeredocMarkersInLine(text);
  return in;
}

}  // namespace berth::builder
