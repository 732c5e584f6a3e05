#include "berth/base/io.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace berth {

Result<size_t> FdReader::Read(std::span<std::byte> buf) {
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return SysError("read", errno);
  }
}

Result<void> FdWriter::Write(std::span<const std::byte> data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError("write", errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Ok();
}

Result<size_t> MemoryReader::Read(std::span<std::byte> buf) {
  size_t n = std::min(buf.size(), data_.size() - pos_);
  std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Result<void> StringWriter::Write(std::span<const std::byte> data) {
  out_.append(reinterpret_cast<const char*>(data.data()), data.size());
  return Ok();
}

Result<uint64_t> Copy(Reader& in, Writer& out) {
  std::vector<std::byte> buf(1 << 20);
  uint64_t total = 0;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(size_t n, in.Read(buf));
    if (n == 0) return total;
    BERTH_TRY(out.Write(std::span<const std::byte>(buf.data(), n)));
    total += n;
  }
}

Result<std::string> ReadAll(Reader& in, uint64_t max_bytes) {
  std::string out;
  std::vector<std::byte> buf(64 * 1024);
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(size_t n, in.Read(buf));
    if (n == 0) return out;
    if (out.size() + n > max_bytes) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "more than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

}  // namespace berth
