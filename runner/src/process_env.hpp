// The container process's environment: an ordered list of "K=V" entries, and the user's
// sources for it (-e, --env-file) with docker's and podman's parsing rules.
//
// Entries keep the position where their variable first appeared; setting a variable again
// replaces its value in place, so "later wins" without reordering. Single-threaded value
// type.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::runner {

class EnvList {
 public:
  // Replaces the value of `key` in place, or appends "key=value".
  void Set(std::string_view key, std::string_view value);
  std::optional<std::string_view> Get(std::string_view key) const;
  const std::vector<std::string>& entries() const { return entries_; }
  std::vector<std::string> Take() { return std::move(entries_); }

 private:
  std::vector<std::string> entries_;
};

// Applies one user-given entry (a -e argument or an env-file line):
// - "K=V" sets K to V (V may be empty or contain '=');
// - "K" copies K from `caller_env` when it is set there, and is ignored otherwise (podman;
//   docker would unset K);
// - "K*" copies every caller variable whose name starts with K (podman).
// kInvalidArgument for an empty name ("=V", "", "*" is fine: it copies everything).
Result<void> ApplyEnvEntry(std::string_view entry, const std::vector<std::string>& caller_env,
                           EnvList& env);

// Applies every line of the env file `path` in order, docker's format: a UTF-8 BOM is
// dropped, leading white space is skipped, blank lines and '#' lines are ignored, the value
// after the first '=' is kept verbatim (no quote removal, trailing white space kept); a line
// without '=' is a name handled as in ApplyEnvEntry. kInvalidArgument naming "file:line" for a
// name with white space, an empty name or a NUL byte; the read error (kNotFound, ...) naming
// the file when it cannot be read.
Result<void> ApplyEnvFile(const std::filesystem::path& path,
                          const std::vector<std::string>& caller_env, EnvList& env);

}  // namespace berth::runner
