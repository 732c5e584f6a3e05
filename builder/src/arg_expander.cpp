#include "arg_expander.hpp"

#include "berth/base/strings.hpp"

namespace berth::builder {

Result<Expansion> ArgExpander::Expand(const Instruction& in, std::string_view text,
                                      const VarLookup& lookup, ExpandOptions options) {
  options.escape = escape_;
  auto expansion = berth::builder::Expand(text, lookup, options);
  if (!expansion) return Fail(in, expansion.error().message);
  WarnUnset(in, expansion->unset);
  return expansion;
}

Result<std::string> ArgExpander::Word(const Instruction& in, std::string_view text,
                                      const VarLookup& lookup) {
  BERTH_ASSIGN_OR_RETURN(Expansion e, Expand(in, text, lookup));
  return std::move(e.word);
}

Result<std::string> ArgExpander::Required(const Instruction& in, std::string_view text,
                                          const VarLookup& lookup, std::string_view what) {
  BERTH_ASSIGN_OR_RETURN(Expansion e, Expand(in, text, lookup));
  if (!e.word.empty()) return std::move(e.word);
  std::string message(what);
  if (!e.unset.empty()) message += " (no value for " + Join(e.unset, ", ") + ")";
  return Fail(in, message);
}

void ArgExpander::WarnUnset(const Instruction& in, const std::vector<std::string>& names) {
  if (warnings_ == nullptr) return;
  for (const std::string& name : names) {
    if (!warned_.insert({in.line, name}).second) continue;
    std::string what = "usage of undefined variable '$" + name + "'";
    if (args_.IsDeclaredGlobal(name) && in.keyword != "FROM") {
      what += " (a global ARG: declare it in the stage with \"ARG " + name + "\" to use it)";
    }
    warnings_->push_back(InstructionError(file_name_, in, what).message);
  }
}

}  // namespace berth::builder
