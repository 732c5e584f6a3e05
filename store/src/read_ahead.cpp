#include "read_ahead.hpp"

#include <system_error>

namespace berth::store::unpack {

ReadAhead::ReadAhead(Reader& src, size_t buffer_size, size_t buffers) : src_(src) {
  buffers_.resize(buffers);
  for (size_t i = 0; i < buffers; ++i) {
    buffers_[i].resize(buffer_size);
    free_.push_back(i);
  }
}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<void> ReadAhead::Start() {
  // std::thread reports failure by throwing; this is the one place that can happen.
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error& e) {
    return MakeError(ErrorCode::kInternal, std::string("start read-ahead thread: ") + e.what());
  }
  return Ok();
}

void ReadAhead::Join() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return done_; });
}

// Small reads (a network chunk, a decompressor's partial block) are gathered into full
// buffers so that the consumer and the helper hand over rarely.
Result<size_t> ReadAhead::Fill(size_t index) {
  std::span<std::byte> buf(buffers_[index]);
  size_t got = 0;
  while (got < buf.size()) {
    BERTH_ASSIGN_OR_RETURN(size_t n, src_.Read(buf.subspan(got)));
    if (n == 0) break;
    got += n;
  }
  return got;
}

void ReadAhead::Run() {
  for (;;) {
    size_t index = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !free_.empty(); });
      if (stop_) break;
      index = free_.front();
      free_.pop_front();
    }
    auto n = Fill(index);
    std::lock_guard<std::mutex> lock(mu_);
    if (!n) {
      error_ = std::move(n).error();
      break;
    }
    filled_.push_back(Chunk{index, *n});
    cv_.notify_all();
    if (*n == 0) break;
  }
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  cv_.notify_all();
}

Result<std::span<const std::byte>> ReadAhead::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  if (held_) {
    free_.push_back(*held_);
    held_.reset();
    cv_.notify_all();
  }
  cv_.wait(lock, [this] { return !filled_.empty() || done_; });
  if (filled_.empty()) {
    if (error_) return *error_;
    return std::span<const std::byte>();  // the helper stopped at the end of stream
  }
  Chunk c = filled_.front();
  if (c.size == 0) return std::span<const std::byte>();  // keep the end marker queued
  filled_.pop_front();
  held_ = c.index;
  return std::span<const std::byte>(buffers_[c.index].data(), c.size);
}

}  // namespace berth::store::unpack
