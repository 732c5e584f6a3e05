// Variable expansion in Containerfile arguments: the shell-word processing that Docker and
// BuildKit apply with the build's ARG and ENV values (BuildKit frontend/dockerfile/shell).
//
// Terms. A *reference* is `$NAME` or `${NAME}`, optionally with a modifier:
//   ${NAME:-word}  word when NAME is unset or empty     ${NAME-word}  word when NAME is unset
//   ${NAME:+word}  word when NAME is set and non-empty  ${NAME+word}  word when NAME is set
//   ${NAME:?msg}   error when unset or empty            ${NAME?msg}   error when unset
//   ${NAME#pat} ${NAME##pat}  NAME without its shortest / longest prefix matching `pat`
//   ${NAME%pat} ${NAME%%pat}  NAME without its shortest / longest suffix matching `pat`
// (`pat` is a shell pattern with `*` and `?`). The word of a modifier is itself expanded.
// A `$` not followed by a name, a digit, one of `@*#?-$!0` or `{` stays a literal `$`.
// Quoting: text in single quotes is literal; in double quotes references expand and the escape
// character escapes only `"`, `$` and itself; outside quotes the escape character makes the next
// character literal (`\$HOME` stays `$HOME`, `\ ` does not split). Quotes and escapes are removed
// from the result unless ExpandOptions keeps them ("quote removal").
//
// Which instructions use what (as BuildKit): ExpandWord for each ENV/LABEL key and value, each
// ARG name and default, WORKDIR, USER, STOPSIGNAL, each COPY/ADD/VOLUME word, the FROM image and
// --platform; ExpandWords for EXPOSE. RUN, CMD, ENTRYPOINT and SHELL are never expanded here:
// the shell form goes to the shell, the exec form is used as written. Heredoc bodies whose
// delimiter was unquoted expand with keep_quotes and keep_escapes set.
//
// Unset variables expand to "" (Docker does not fail); Expansion::unset lists them so the caller
// can report an error where a value is required. Stateless; thread-safe if the lookup is.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::builder {

// The value of a variable, or nullopt when it is unset (a set variable may be empty).
using VarLookup = std::function<std::optional<std::string>(std::string_view name)>;

// A lookup in `vars`, which must outlive the returned function. Names are case-sensitive.
VarLookup LookupIn(const std::map<std::string, std::string>& vars);

struct ExpandOptions {
  char escape = '\\';         // the Containerfile's escape character (`# escape=`)
  bool keep_quotes = false;   // keep the quote characters in the result (still honour them)
  bool keep_escapes = false;  // keep escape characters in the result (still honour them)
  bool keep_unset = false;    // leave references to unset variables as written
};

struct Expansion {
  // The whole text expanded, with quotes removed: whitespace kept as it came.
  std::string word;
  // The same split into words at unquoted whitespace, including whitespace that an unquoted
  // reference expanded to (as a shell would). Quoted empty strings produce no word, as in Docker.
  std::vector<std::string> words;
  // Names looked up and found set, in order of first use, without duplicates.
  std::vector<std::string> used;
  // Names whose value was needed but unset (a plain $NAME or ${NAME}, or a # % pattern removal),
  // in order of first use, without duplicates. References with -, + or ? supply their own
  // answer for an unset variable and are not listed.
  std::vector<std::string> unset;
};

// Expands the references in `text`. Fails with kInvalidArgument, the message naming `text`,
// on an unterminated quote or `${`, a bad substitution (`${}`, `${:x}`), an unsupported
// modifier, or a `?` modifier whose variable is unset (or empty, with `:?`).
Result<Expansion> Expand(std::string_view text, const VarLookup& lookup,
                         const ExpandOptions& options = {});

// Expand(...).word: the text as one string (ENV values, WORKDIR, COPY paths...).
Result<std::string> ExpandWord(std::string_view text, const VarLookup& lookup,
                               const ExpandOptions& options = {});

// Expand(...).words: the text split into words (EXPOSE).
Result<std::vector<std::string>> ExpandWords(std::string_view text, const VarLookup& lookup,
                                             const ExpandOptions& options = {});

}  // namespace berth::builder
