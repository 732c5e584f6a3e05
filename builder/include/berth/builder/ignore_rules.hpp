// Ignore rules of a build context: the `.containerignore` / `.dockerignore` file.
//
// The file holds one pattern per line. Docker's rules (moby/patternmatcher and its
// ignorefile reader) apply exactly:
// - a line that starts with '#' is a comment (only at column 0: "  #x" is a pattern); blank
//   lines are skipped; a UTF-8 byte order mark on the first line is dropped;
// - a pattern is trimmed of white space and cleaned like Go's filepath.Clean; a leading '/'
//   is dropped, since the context root is both "." and "/";
// - `*`, `?`, `[...]` and `\x` as in filepath.Match; `**` matches any number of directories
//   ("**/*.go", "a/**/b"), a trailing "/**" everything below;
// - a pattern that starts with '!' is an exception: it re-includes what earlier patterns
//   excluded. The last pattern that matches a path decides;
// - a pattern that matches a directory matches everything below it.
//
// Paths are relative to the context root, slash-separated ("src/main.go"). A walker that
// meets an excluded directory asks MayReincludeBelow() whether an exception could still
// include something under it; only then must it descend (and then test each path).
//
// IgnoreRules is an immutable value type (cheap to copy); thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::builder {

class IgnoreRules {
 public:
  // No patterns: nothing is ignored.
  IgnoreRules() = default;

  // Parses the text of an ignore file as described above. kInvalidArgument for a malformed
  // pattern ("[a", a lone "!"), naming the line.
  static Result<IgnoreRules> Parse(std::string_view text);

  // Builds rules from patterns that are already one per element (as the ignore file reader
  // produces them: exceptions start with '!'). Each is trimmed and cleaned again, as
  // patternmatcher.New does. kInvalidArgument for a malformed pattern.
  static Result<IgnoreRules> FromPatterns(const std::vector<std::string>& patterns);

  bool empty() const;
  // The cleaned patterns in order, exceptions with their leading '!'.
  std::vector<std::string> patterns() const;
  // True when some pattern is an exception ('!').
  bool has_exceptions() const;

  // True when `path` (relative to the context root; cleaned before use) is excluded: the
  // last pattern that matches it or one of its parent directories is not an exception. The
  // root itself ("", "." or "/") is never excluded.
  bool Matches(std::string_view path) const;

  // For a directory `dir` that Matches(): true when an exception pattern could match some
  // path below it, so a walker must descend and test each path there. Never false when
  // something below could be re-included; may be true when nothing is.
  bool MayReincludeBelow(std::string_view dir) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// The names of the ignore files in the order they are looked for in the context root.
inline constexpr const char* kIgnoreFileNames[] = {".containerignore", ".dockerignore"};

// Reads the ignore rules of the build context open at `context_fd` (a directory fd,
// borrowed): `.containerignore` if it exists, else `.dockerignore`, else empty rules. The
// file is opened inside the context (a symlink may not lead out of it; one that does is an
// error). Errors carry the file name: kInvalidArgument for a bad pattern or a file that is
// not a regular file, the open/read errno otherwise.
Result<IgnoreRules> LoadIgnoreRules(int context_fd);

}  // namespace berth::builder
