// ShellPattern: the shell patterns of ${NAME#pat} and ${NAME%pat} -- `*` (any text), `?` (one
// character) and literal characters; `\*`, `\?` and `\\` are literal, and `\}` / `\/` stand for
// the brace and slash the expansion had to escape. No bracket expressions, as in BuildKit.
// Value type; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::builder {

class ShellPattern {
 public:
  // Fails with kInvalidArgument on an escape before any other character ("invalid escape").
  static Result<ShellPattern> Compile(std::string_view pattern);

  // True when the whole of `text` matches.
  bool Matches(std::string_view text) const;
  // `value` without its shortest (or, with `longest`, longest) prefix that matches; `value`
  // unchanged when no prefix matches. Shell semantics of ${NAME#pat} and ${NAME##pat}.
  std::string RemovePrefix(std::string_view value, bool longest) const;
  // The same for suffixes: ${NAME%pat} and ${NAME%%pat}.
  std::string RemoveSuffix(std::string_view value, bool longest) const;

 private:
  enum class Kind { kLiteral, kAnyChar, kAnyText };
  struct Token {
    Kind kind;
    char c;
  };
  std::vector<Token> tokens_;
};

}  // namespace berth::builder
