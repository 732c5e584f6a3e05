// One instruction from its logical line: keyword, flags and the arguments' shape. The file
// parser (containerfile_parser.cpp) adds line numbers and heredoc bodies, and turns the errors
// into "FILE:LINE: <what>: <original>". Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/builder/containerfile.hpp"

namespace berth::builder {

// Parses `line` (continuations joined, comment lines dropped) into an Instruction with keyword,
// original, flags, args and the per-keyword fields (containerfile.hpp); line numbers and
// heredoc contents are left for the caller (heredocs has the markers, content empty). Fails
// with kInvalidArgument whose message is only <what> ("unknown instruction", "FROM requires
// either one or three arguments", ...).
Result<Instruction> ParseInstructionLine(std::string_view line, char escape);

// True for RUN, COPY and ADD in shell form, and an ONBUILD whose trigger is one: the
// instructions whose line may open heredocs.
bool TakesHeredocs(const Instruction& instruction);

// Argument shapes, in instruction_args.cpp and healthcheck_args.cpp. Each reads
// instruction.args (and flags) and fills the keyword's fields.
Result<void> ParseKeyValueArgs(Instruction& instruction, char escape);  // ENV LABEL
Result<void> ParseArgArgs(Instruction& instruction, char escape);       // ARG
Result<void> ParseHealthcheckArgs(Instruction& instruction);            // HEALTHCHECK

// `text` split at runs of whitespace, quotes not honoured (Docker's FROM, EXPOSE, COPY...).
std::vector<std::string> SplitAtWhitespace(std::string_view text);

// Words as BuildKit's parseWords: split at unquoted whitespace, quotes and escapes kept in the
// words (they are removed when the value is expanded).
std::vector<std::string> SplitWordsKeepQuotes(std::string_view text, char escape);

}  // namespace berth::builder
