#include "berth/runner/container_log_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/runner/container_observe.hpp"

namespace berth::runner {

namespace {

bool InWindow(const LogRecord& r, const LogReadOptions& o) {
  if (o.since_ns && r.time.unix_nanos <= *o.since_ns) return false;
  if (o.until_ns && r.time.unix_nanos >= *o.until_ns) return false;
  return true;
}

// Keeps the records of the last `lines` lines seen.
class TailBuffer {
 public:
  explicit TailBuffer(size_t lines) : lines_(lines) {}
  void Push(const LogRecord& r) {
    records_.push_back(r);
    if (!r.partial) ++full_;
    while (!records_.empty() && Lines() > lines_) {
      // Drop the oldest line: every record up to and including its F record.
      bool ended = !records_.front().partial;
      if (ended) --full_;
      records_.pop_front();
      while (!ended && !records_.empty()) {
        ended = !records_.front().partial;
        if (ended) --full_;
        records_.pop_front();
      }
    }
  }
  void Drain(const LogSink& sink) {
    for (const auto& r : records_) sink(r);
    records_.clear();
    full_ = 0;
  }

 private:
  size_t Lines() const { return full_ + (records_.back().partial ? 1 : 0); }
  size_t lines_;
  size_t full_ = 0;
  std::deque<LogRecord> records_;
};

Result<void> ReadFirst(LogReader& reader, const LogReadOptions& o, const LogSink& sink) {
  if (!o.tail) {
    return reader.ReadNew([&](const LogRecord& r) {
      if (InWindow(r, o)) sink(r);
    });
  }
  TailBuffer tail(*o.tail);
  BERTH_TRY(reader.ReadNew([&](const LogRecord& r) {
    if (InWindow(r, o)) tail.Push(r);
  }));
  tail.Drain(sink);
  return Ok();
}

// Watches the log's directory, so that both writes to the log and its creation wake us.
UniqueFd WatchDir(const fs::path& dir) {
  UniqueFd fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!fd) return fd;
  uint32_t mask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE;
  if (::inotify_add_watch(fd.get(), dir.c_str(), mask) < 0) return UniqueFd();
  return fd;
}

void WaitForChange(const UniqueFd& watch, int timeout_ms) {
  if (!watch) {
    ::usleep(static_cast<useconds_t>(timeout_ms) * 1000);
    return;
  }
  struct pollfd p = {watch.get(), POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) > 0) {
    // The events only say "look again"; throw them away.
    char buf[4096];
    while (::read(watch.get(), buf, sizeof buf) > 0) {
    }
  }
}

}  // namespace

Result<void> LogReader::ReadNew(const LogSink& sink) {
  if (!fd_) {
    auto fd = Open(path_, O_RDONLY);
    if (!fd) {
      if (fd.error().code == ErrorCode::kNotFound) return Ok();
      return std::move(fd).error().Context("read log");
    }
    fd_ = std::move(*fd);
  }
  char buf[64 << 10];
  while (true) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError("read log " + Quote(path_.string()), errno);
    if (n == 0) return Ok();
    rest_.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = rest_.find('\n', start)) != std::string::npos; start = nl + 1) {
      auto rec = ParseLogRecord(std::string_view(rest_).substr(start, nl - start));
      if (rec) {
        sink(*rec);
      } else {
        ++skipped_;
      }
    }
    rest_.erase(0, start);
  }
}

Result<void> ReadLog(const fs::path& path, const LogReadOptions& options, const LogSink& sink) {
  LogReader reader(path);
  return ReadFirst(reader, options, sink);
}

Result<void> FollowLog(const fs::path& path, const LogReadOptions& options,
                       const FollowOptions& follow, const LogSink& sink) {
  // Watch before the first read, so a write between the two is not missed.
  UniqueFd watch = WatchDir(path.parent_path());
  LogReader reader(path);
  BERTH_TRY(ReadFirst(reader, options, sink));
  auto in_window = [&](const LogRecord& r) {
    if (InWindow(r, options)) sink(r);
  };
  while (true) {
    // Ask before reading: once the container is no longer running, everything it wrote is
    // in the file, and this read is the last one needed.
    bool running = !follow.still_running || follow.still_running();
    if (options.until_ns && UnixNanosNow() >= *options.until_ns) running = false;
    BERTH_TRY(reader.ReadNew(in_window));
    if (!running) return Ok();
    WaitForChange(watch, follow.poll_interval_ms);
  }
}

}  // namespace berth::runner
