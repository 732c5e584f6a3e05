// Compiled glob patterns in the two dialects Docker uses for build contexts.
//
// kPathMatch is Go's filepath.Match, which COPY/ADD apply to one path component at a time:
// `*` any run of characters except '/', `?` one character except '/', `[abc]`, `[a-z]`,
// `[^a-z]` character classes, `\x` a literal x. kIgnoreFile is moby/patternmatcher (the
// .dockerignore matcher), which translates the pattern to a regular expression: `**`
// followed by more pattern matches zero or more whole directories ("(.*/)?"), a trailing
// `**` matches anything, '/' included. Like patternmatcher, a pattern that starts with `**`
// and continues with plain text is a plain suffix test ("**.go" matches "a.go"). Both
// dialects match the whole text, and the syntax is checked as filepath.Match checks it (an
// unclosed '[', an empty class, a bad range or a trailing '\' is an error).
//
// Where the regular expression and filepath.Match disagree on odd input, this follows
// filepath.Match: `\x` is always a literal x (Go's regexp would read `\d` as a digit), and a
// `*` or `?` inside a class is a literal.
//
// Characters are UTF-8: `?` and classes consume one code point. Value type; immutable after
// Compile; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::builder {

class GlobPattern {
 public:
  enum class Dialect { kPathMatch, kIgnoreFile };

  // kInvalidArgument "syntax error in pattern <p>" for malformed syntax.
  static Result<GlobPattern> Compile(std::string_view pattern, Dialect dialect);

  // True when the whole of `text` matches.
  bool Match(std::string_view text) const;
  // True when some text that starts with `prefix` (and is longer than it) could match. May
  // answer true when no such text exists; never false when one does.
  bool MayMatchBelow(std::string_view prefix) const;

 private:
  enum class Kind : uint8_t { kLiteral, kStar, kAny, kClass, kAnyDirs, kAnything };
  struct Range {
    char32_t lo;
    char32_t hi;
  };
  struct Token {
    Kind kind;
    char literal = 0;
    bool negated = false;
    std::vector<Range> ranges;
  };

  enum class Type { kExact, kPrefix, kSuffix, kProgram };

  // Parses a class after its '[' (filepath.Match syntax), advancing `pos` past the ']'.
  // False for malformed syntax.
  static bool ParseClass(std::string_view p, size_t* pos, Token* t);

  // The states alive after consuming all of `text`: two per token position (before it, and
  // inside a `**/` group), plus the final state at index 2 * tokens_.size().
  std::vector<char> Run(std::string_view text) const;
  void Advance(std::vector<std::vector<char>>& reach, std::string_view text, size_t pos) const;

  // kExact: the whole pattern; kPrefix: the text before the final "**"; kSuffix: the text
  // after the leading "**".
  std::string fixed_;
  Type type_ = Type::kProgram;
  std::vector<Token> tokens_;
};

// True when a pattern has `*`, `?` or `[` that is not escaped by a backslash (BuildKit's
// containsWildcards): such a source is globbed, any other is a literal path.
bool ContainsWildcards(std::string_view pattern);

}  // namespace berth::builder
