// ReadAhead: reads a stream on a helper thread, a few buffers ahead of its consumer.
//
// Unpacking a layer is two kinds of work: producing the tar stream (reading the blob,
// inflating, hashing twice) is CPU in user space, and writing the tree is syscalls. Run on one
// thread they add up; with ReadAhead they overlap, so a layer unpacks in about the time of the
// slower half. Memory is bounded: `buffers` buffers of `buffer_size` bytes.
//
// The source Reader is used only by the helper thread from Start() until the end of stream,
// an error, or destruction, whichever comes first; the caller must not touch it (or anything
// it reads from) in between. Next() is for one consumer thread. The destructor stops the
// helper and waits for it, which includes waiting for a Read() already in progress.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"

namespace berth::store::unpack {

class ReadAhead {
 public:
  ReadAhead(Reader& src, size_t buffer_size, size_t buffers);
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Starts the helper thread. Fails only if no thread can be created.
  Result<void> Start();
  // The next chunk of the stream, valid until the next call; empty at the end of stream.
  // After an error or the end, every later call returns the same.
  Result<std::span<const std::byte>> Next();
  // Waits until the helper has finished with the source (it reached the end or failed).
  void Join();

 private:
  struct Chunk {
    size_t index = 0;  // into buffers_
    size_t size = 0;   // 0: end of stream
  };
  void Run();
  // Fills buffers_[index] from the source; returns the bytes read (0 only at the end).
  Result<size_t> Fill(size_t index);

  Reader& src_;
  std::vector<std::vector<std::byte>> buffers_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<size_t> free_;     // buffers the helper may fill
  std::deque<Chunk> filled_;    // buffers the consumer may read, in stream order
  std::optional<Error> error_;  // set by the helper; delivered after the filled chunks
  bool stop_ = false;           // set by the destructor
  bool done_ = false;           // the helper has returned
  std::optional<size_t> held_;  // the buffer the consumer is reading
};

}  // namespace berth::store::unpack
