// Where COPY and ADD put things: Docker's destination rules, as a pure computation.
//
// Rules (Dockerfile reference, BuildKit's dispatchCopy and the classic builder's copier):
// - a relative destination is relative to the stage's WORKDIR; the result is cleaned;
// - a destination that ends in '/' (or is ".", "..", or ends in "/." or "/..") is a
//   directory: each source lands inside it under its base name;
// - more than one source, given as several arguments or by a wildcard that matched several
//   paths, needs such a directory destination, else it is an error;
// - a directory source copies its contents (not the directory itself) into the destination,
//   which is a directory whatever its spelling;
// - a file source with a destination not spelled as a directory is written at that path,
//   unless a directory already exists there, then it goes inside it like above (that needs
//   the filesystem, so the executor decides with `path_if_directory_exists`);
// - missing parent directories of the target are created.
//
// Container paths here are absolute and slash-separated. Pure functions on value types;
// thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::builder {

struct CopyDestinationRequest {
  std::string instruction = "COPY";  // "COPY" or "ADD", starts error messages
  std::vector<std::string> sources;  // the source arguments as written (for messages)
  std::string dest;                  // the destination argument as written
  std::string workdir = "/";         // the stage's WORKDIR; empty means "/"
  size_t matched_count = 0;          // paths all sources matched (wildcards expanded)
};

struct CopyDestination {
  std::string path;           // absolute and cleaned ("/app/conf")
  bool is_directory = false;  // spelled as a directory: sources land inside `path`
  bool operator==(const CopyDestination&) const = default;
};

// Resolves the destination of one COPY/ADD. kInvalidArgument
// "COPY a b c: when copying several sources the destination must end with /" when more than
// one path is copied to a destination not spelled as a directory.
Result<CopyDestination> ResolveCopyDestination(const CopyDestinationRequest& request);

struct CopyTarget {
  // Where the source lands: the file's new path, or for a directory source the directory
  // that receives its contents.
  std::string path;
  // The directory that must exist before the copy; created with its parents if missing.
  std::string create_dir;
  // For a file copied to a destination not spelled as a directory: where it lands instead
  // if `path` turns out to be an existing directory. Empty otherwise.
  std::string path_if_directory_exists;
  bool operator==(const CopyTarget&) const = default;
};

// Where one matched source (its context-relative path as matched, e.g. "src/a.txt") lands.
CopyTarget CopyTargetFor(const CopyDestination& dest, std::string_view source_path,
                         bool source_is_directory);

}  // namespace berth::builder
