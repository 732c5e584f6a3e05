// Reading a container's ctr.log (records as container_log.hpp describes) for `berth logs`:
// all of it, its tail, a time window, and following it while the container runs.
//
// Terms: a *line* of the log is a run of records that ends with an F record, or the P
// records at the very end that still wait for theirs. --tail counts lines; --since and
// --until select records by their time (both bounds exclusive, as podman's). Records are
// handed to a sink one by one in file order; the caller prints them (a P record without a
// newline, an F record with one, as podman does). Lines of the file that are not records
// (a monitor killed in the middle of a write) are skipped.
//
// A LogReader owns the open file; it is move-only and thread-compatible. Reading needs only
// read access to the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/runner/container_log.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

using LogSink = std::function<void(const LogRecord&)>;

// Reads a log from where the last call stopped. The file is opened on first use; a missing
// file reads as empty until it appears.
class LogReader {
 public:
  explicit LogReader(fs::path path) : path_(std::move(path)) {}

  // Calls `sink` for each record completed (its '\n' written) since the last call, in file
  // order. Errors: open or read failures other than a missing file, naming the path.
  Result<void> ReadNew(const LogSink& sink);
  // How many non-record lines were skipped so far.
  size_t skipped() const { return skipped_; }

 private:
  fs::path path_;
  UniqueFd fd_;
  std::string rest_;  // the start of a line whose '\n' is not written yet
  size_t skipped_ = 0;
};

struct LogReadOptions {
  std::optional<size_t> tail;       // only the last N lines; nullopt: all
  std::optional<int64_t> since_ns;  // only records after this Unix time (nanoseconds)
  std::optional<int64_t> until_ns;  // only records before this Unix time (nanoseconds)
};

// Reads the whole log once: the records in the [since, until] window, of those the last
// `tail` lines. Memory is bounded by the tail, not the file. Errors as LogReader::ReadNew.
Result<void> ReadLog(const fs::path& path, const LogReadOptions& options, const LogSink& sink);

struct FollowOptions {
  // Whether the container may still write to its log. Called between reads; once it says
  // false, the log is read to its end once more and FollowLog returns. (The monitor must
  // therefore finish writing the log before it records the exit.)
  std::function<bool()> still_running;
  // How long to wait for a change before asking still_running() again. inotify wakes the
  // reader earlier when the log's directory changes.
  int poll_interval_ms = 250;
};

// ReadLog, then the records appended afterwards (in the window; the tail applies to the
// first read only) until the container stops or the --until time has passed.
// Errors as LogReader::ReadNew.
Result<void> FollowLog(const fs::path& path, const LogReadOptions& options,
                       const FollowOptions& follow, const LogSink& sink);

}  // namespace berth::runner
