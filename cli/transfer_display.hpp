// TransferDisplay: what `berth pull` (and push) show while blobs move.
//
// On a terminal, one live line per blob, redrawn in place at most ten times a second:
//   Copying blob 9aaef981ceb6 [=========>          ] 12.3MiB / 40.1MiB  25.1MiB/s
// Anywhere else (CI logs, pipes), plain lines with no control characters: one when a blob
// starts and one when it ends, like podman's non-interactive output. Thread-compatible: the
// caller serialises calls (puller::Pull already does).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace berth::cli {

class TransferDisplay {
 public:
  TransferDisplay(std::FILE* out, bool tty);

  // A blob starts moving; `size` < 0 when unknown. `id` is the short digest.
  void Start(const std::string& id, int64_t size);
  // `done` bytes of it have moved so far.
  void Progress(const std::string& id, uint64_t done);
  // It ended; `status` is "done" or "skipped: already exists".
  void Finish(const std::string& id, const std::string& status);
  // A line of its own ("Copying config ... done"), printed above the live lines.
  void Line(const std::string& text);

 private:
  using Clock = std::chrono::steady_clock;
  struct Blob {
    std::string id;
    int64_t size = -1;
    uint64_t done = 0;
    Clock::time_point started;
    std::string status;  // set when finished
  };
  Blob* Find(const std::string& id);
  std::string Render(const Blob& b) const;
  void Redraw(bool force);

  std::FILE* out_;
  bool tty_;
  std::vector<Blob> blobs_;
  size_t drawn_ = 0;  // live lines currently on screen (tty)
  Clock::time_point last_draw_{};
};

// "12.3MiB" (binary units, as podman's progress bars).
std::string BinarySize(uint64_t bytes);

}  // namespace berth::cli
