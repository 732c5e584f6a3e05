// Byte streams: Reader and Writer, plus fd-backed implementations.
//
// Streams are how berth moves layer and blob bytes without holding them in memory: a
// registry response, a file, a decompressor and a hasher are all Readers or Writers that
// chain. Implementations are single-threaded objects; callers must not share one between
// threads without locking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth {

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to buf.size() bytes. Returns 0 only at end of stream.
  virtual Result<size_t> Read(std::span<std::byte> buf) = 0;
};

class Writer {
 public:
  virtual ~Writer() = default;
  // Writes all of data or fails.
  virtual Result<void> Write(std::span<const std::byte> data) = 0;
};

// Reads from a borrowed fd (not owned, not closed).
class FdReader : public Reader {
 public:
  explicit FdReader(int fd) : fd_(fd) {}
  Result<size_t> Read(std::span<std::byte> buf) override;

 private:
  int fd_;
};

// Writes to a borrowed fd (not owned, not closed).
class FdWriter : public Writer {
 public:
  explicit FdWriter(int fd) : fd_(fd) {}
  Result<void> Write(std::span<const std::byte> data) override;

 private:
  int fd_;
};

// Reads from a borrowed memory buffer.
class MemoryReader : public Reader {
 public:
  explicit MemoryReader(std::string_view data) : data_(data) {}
  Result<size_t> Read(std::span<std::byte> buf) override;

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Appends everything written to a string.
class StringWriter : public Writer {
 public:
  Result<void> Write(std::span<const std::byte> data) override;
  const std::string& str() const { return out_; }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

// Copies `in` to `out` until end of stream; returns the number of bytes copied.
Result<uint64_t> Copy(Reader& in, Writer& out);

// Reads all of `in`, failing with kInvalidArgument once more than max_bytes arrive.
Result<std::string> ReadAll(Reader& in, uint64_t max_bytes);

inline std::span<const std::byte> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace berth
