#include "transfer_display.hpp"

#include <algorithm>

namespace berth::cli {

std::string BinarySize(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.1f%s", v, kUnits[u]);
  return buf;
}

TransferDisplay::TransferDisplay(std::FILE* out, bool tty) : out_(out), tty_(tty) {}

TransferDisplay::Blob* TransferDisplay::Find(const std::string& id) {
  for (auto& b : blobs_) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

void TransferDisplay::Start(const std::string& id, int64_t size) {
  if (!tty_) {
    std::fprintf(out_, "Copying blob %s\n", id.c_str());
    std::fflush(out_);
    return;
  }
  Blob b;
  b.id = id;
  b.size = size;
  b.started = Clock::now();
  blobs_.push_back(std::move(b));
  Redraw(true);
}

void TransferDisplay::Progress(const std::string& id, uint64_t done) {
  if (!tty_) return;
  if (Blob* b = Find(id)) b->done = done;
  Redraw(false);
}

void TransferDisplay::Finish(const std::string& id, const std::string& status) {
  if (!tty_) {
    std::fprintf(out_, "Copying blob %s %s\n", id.c_str(), status.c_str());
    std::fflush(out_);
    return;
  }
  Blob* b = Find(id);
  if (b == nullptr) {
    blobs_.push_back(Blob{id, -1, 0, Clock::now(), status});
  } else {
    b->status = status;
  }
  Redraw(true);
}

void TransferDisplay::Line(const std::string& text) {
  if (!tty_) {
    std::fprintf(out_, "%s\n", text.c_str());
    std::fflush(out_);
    return;
  }
  // Finished blobs scroll up with the line; live ones are drawn again below it.
  Redraw(true);
  std::fprintf(out_, "%s\n", text.c_str());
  std::erase_if(blobs_, [](const Blob& b) { return !b.status.empty(); });
  drawn_ = 0;
  Redraw(true);
}

std::string TransferDisplay::Render(const Blob& b) const {
  std::string line = "Copying blob " + b.id;
  if (!b.status.empty()) return line + " " + b.status;
  constexpr int kWidth = 20;
  int filled = b.size > 0 ? static_cast<int>(std::min<uint64_t>(b.done, b.size) * kWidth /
                                             static_cast<uint64_t>(b.size))
                          : 0;
  std::string bar(kWidth, ' ');
  for (int i = 0; i < filled; ++i) bar[i] = '=';
  if (filled < kWidth && filled > 0) bar[filled] = '>';
  double secs = std::chrono::duration<double>(Clock::now() - b.started).count();
  std::string rate = secs > 0.05 ? BinarySize(static_cast<uint64_t>(b.done / secs)) + "/s" : "";
  line += " [" + bar + "] " + BinarySize(b.done);
  if (b.size >= 0) line += " / " + BinarySize(static_cast<uint64_t>(b.size));
  if (!rate.empty()) line += "  " + rate;
  return line;
}

void TransferDisplay::Redraw(bool force) {
  auto now = Clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::string frame;
  if (drawn_ > 0) frame += "\033[" + std::to_string(drawn_) + "A";  // back to the first line
  for (const auto& b : blobs_) frame += "\r" + Render(b) + "\033[K\n";
  drawn_ = blobs_.size();
  std::fputs(frame.c_str(), out_);
  std::fflush(out_);
}

}  // namespace berth::cli
