// Reading and writing cgroup interface files (private to runner/).
//
// Interface files are written in place (never created, never replaced by rename): the
// kernel acts on the write itself. In a fake tree under a temp dir they are plain files that
// a test pre-creates, so a write replaces the content (O_TRUNC) as a later read expects.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::runner {

// Writes `value` to the interface file `file` in one write(2).
// Errors: "write '<value>' to '<file>': <cause>"; EBUSY on cgroup.subtree_control carries the
// hint about the "no internal processes" rule.
Result<void> WriteCgroupFile(const std::filesystem::path& file, std::string_view value);

// The file's content without surrounding whitespace.
Result<std::string> ReadCgroupFile(const std::filesystem::path& file);

// The value of `key` in a flat keyed file ("oom_kill 3\n..."), if present.
std::optional<int64_t> KeyedValue(std::string_view text, std::string_view key);

// A decimal integer, or nullopt.
std::optional<int64_t> ParseCgroupInt(std::string_view text);

// The pids listed in a cgroup.procs file.
Result<std::vector<pid_t>> ReadCgroupProcs(const std::filesystem::path& dir);

}  // namespace berth::runner
