// Expansion of one instruction's argument the way the planner reports it: errors become
// "FILE:LINE: <what>: <original>" (InstructionError), an argument that must not be empty but
// expands to nothing is an error naming the variables without a value, and each variable used
// without a value is a warning (BuildKit's UndefinedVar check), with a hint when it is a
// global ARG the stage did not re-declare. Single-threaded; borrows the warnings list.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/builder/containerfile.hpp"
#include "berth/builder/expand.hpp"
#include "build_args.hpp"

namespace berth::builder {

class ArgExpander {
 public:
  ArgExpander(std::string_view file_name, char escape, const BuildArgs& args,
              std::vector<std::string>* warnings)
      : file_name_(file_name), escape_(escape), args_(args), warnings_(warnings) {}

  std::string_view file_name() const { return file_name_; }
  char escape() const { return escape_; }

  // Expands `text`, an argument of `in`, with `lookup` (options.escape is set here).
  Result<Expansion> Expand(const Instruction& in, std::string_view text, const VarLookup& lookup,
                           ExpandOptions options = {});
  // Expand(...).word.
  Result<std::string> Word(const Instruction& in, std::string_view text, const VarLookup& lookup);
  // Word, but an empty result fails: "<what> (no value for A, B)" when unset variables caused
  // it, else "<what>".
  Result<std::string> Required(const Instruction& in, std::string_view text,
                               const VarLookup& lookup, std::string_view what);

  // The InstructionError for `in`.
  Error Fail(const Instruction& in, std::string_view what) const {
    return InstructionError(file_name_, in, what);
  }

 private:
  void WarnUnset(const Instruction& in, const std::vector<std::string>& names);

  std::string file_name_;
  char escape_;
  const BuildArgs& args_;
  std::vector<std::string>* warnings_;
  std::set<std::pair<int, std::string>> warned_;  // (line, name)
};

}  // namespace berth::builder
