// The sources of COPY and ADD in a build context: which paths a source argument names, and
// the tree of files below a directory source.
//
// Terms. A *source* is one argument of COPY/ADD as written ("src/*.go", "/etc/app.conf",
// "."). It is a path relative to the context root (a leading '/' also means the root),
// cleaned like Go's path.Clean, whose components may be Go filepath.Match patterns (`*`,
// `?`, `[a-z]`, `\x`). A *matched source* is one existing path a source names. Its *resolved*
// path is where it leads after symlinks are followed; the resolved path is what gets copied,
// under the name of the matched path. Inside a directory source nothing is followed: a
// symlink there is copied as a symlink.
//
// Rules, as Docker's: a source may not leave the context, lexically ("../x") or through a
// symlink (an absolute one, or a relative chain that climbs above the root); a path excluded
// by the ignore rules is not part of the context, so it cannot be named and is left out of
// directory trees, except that an excluded directory still exists when an exception
// re-includes something below it.
//
// All paths are resolved against a borrowed directory fd of the context with openat2
// (RESOLVE_BENEATH), never by joining strings. Results are plain values. Stateless;
// thread-safe (the context must not change while it is read, or the results may be stale,
// but never outside the context).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/builder/ignore_rules.hpp"

namespace berth::builder {

enum class EntryType { kRegular, kDirectory, kSymlink, kOther };

// "file", "directory", "symlink", "other".
std::string_view EntryTypeName(EntryType type);

struct ContextSource {
  std::string source;    // the argument it was matched by, as written
  std::string path;      // the matched path, relative to the context root ("." = the root)
  std::string resolved;  // the canonical path it leads to, symlinks followed
  EntryType type = EntryType::kRegular;  // of `resolved`: kRegular, kDirectory or kOther
  bool operator==(const ContextSource&) const = default;
};

// Matches each of `sources` in the context open at `context_fd` (borrowed), skipping ignored
// paths. Returns the matched sources in argument order, and in lexical path order within
// one pattern. `instruction` ("COPY", "ADD") starts each error message. Errors:
// - kInvalidArgument "COPY ../x: escapes the build context" when a source or a symlink it
//   follows leads out of the context;
// - kNotFound "COPY missing.txt: no such file or directory in the build context" when a
//   source matches nothing (also when all it matches is ignored);
// - kInvalidArgument for a malformed pattern; other errors with their errno.
Result<std::vector<ContextSource>> ResolveContextSources(int context_fd,
                                                         const std::vector<std::string>& sources,
                                                         const IgnoreRules& rules,
                                                         std::string_view instruction = "COPY");

// One entry below a directory source. Symlinks are not followed (type kSymlink).
struct ContextTreeEntry {
  std::string rel;   // relative to the directory source ("sub/a.txt")
  std::string path;  // canonical, relative to the context root ("src/sub/a.txt")
  EntryType type = EntryType::kRegular;
  mode_t mode = 0;  // st_mode, type bits included
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t size = 0;  // bytes of a regular file, else 0
  dev_t rdev = 0;     // of a device node, else 0
};

// Everything below the canonical directory `dir` (a ContextSource's `resolved`; "." = the
// root), depth first with the names of each directory in byte order (a parent before its
// children), ignored paths left out. An excluded directory is walked only when an
// exception could re-include something below it, and listed only when something below it
// is. The directory itself is not listed. Errors name the path; kNotFound when `dir` is
// missing, kInvalidArgument when it is not a directory.
Result<std::vector<ContextTreeEntry>> ListContextTree(int context_fd, std::string_view dir,
                                                      const IgnoreRules& rules);

// Opens the canonical context path `path` (a `resolved` or a tree entry's `path`) with
// `flags` (O_CLOEXEC added), following no symlink: one on the way fails with ELOOP, a final
// one too unless `flags` has O_PATH | O_NOFOLLOW. The fd is the caller's.
Result<UniqueFd> OpenContextPath(int context_fd, std::string_view path, int flags);

}  // namespace berth::builder
