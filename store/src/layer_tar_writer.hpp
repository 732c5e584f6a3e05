// LayerTarWriter: writes tar entries in POSIX pax format with deterministic bytes.
//
// Each entry is a ustar header, preceded by a pax extended header ('x') only when a value
// does not fit ustar: names or link targets over 100 bytes, uid/gid over 2097151, sizes of
// 8 GiB and more, mtimes before 1970 or after 2242, and xattrs (SCHILY.xattr.NAME, the
// spelling GNU tar, libarchive and Go's archive/tar all read). Pax records are written in
// bytewise key order, owner names are empty and no atime/ctime is ever written, so equal
// headers always give equal bytes. The output ends with two zero blocks and no further
// padding. Writes are buffered in 1 MiB so the next Writer sees large spans; file data is read
// straight into that buffer. Single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"

namespace berth::store {

struct LayerTarXattr {
  std::string_view name;
  std::string_view value;  // binary
};

struct LayerTarHeader {
  std::string_view name;  // relative path as it appears in the tar; directories end in '/'
  char type = '0';        // '0' file '1' hardlink '2' symlink '3' char '4' block '5' dir '6' fifo
  uint32_t mode = 0;      // permission bits including setuid/setgid/sticky
  uint64_t uid = 0;
  uint64_t gid = 0;
  int64_t mtime = 0;  // seconds since the epoch
  uint64_t size = 0;  // bytes of data that follow; only for type '0'
  std::string_view linkname;
  uint32_t devmajor = 0;
  uint32_t devminor = 0;
  std::span<const LayerTarXattr> xattrs;  // sorted by name, no duplicates
};

class LayerTarWriter {
 public:
  explicit LayerTarWriter(Writer& out);

  // Writes the headers of one entry. For type '0' with size > 0 the caller then calls
  // WriteData with the same size.
  Result<void> WriteHeader(const LayerTarHeader& h);
  // Copies exactly `size` bytes from `fd` (from its current offset), then pads to the next
  // 512-byte block. kIo if the file ends early (it shrank after it was stat'ed).
  Result<void> WriteData(int fd, uint64_t size);
  // Writes the end-of-archive marker and flushes everything to `out`.
  Result<void> Finish();

 private:
  Result<void> Append(const void* data, size_t n);
  Result<void> AppendZeros(size_t n);
  Result<void> Flush();
  void BuildPaxRecords(const LayerTarHeader& h);

  Writer& out_;
  std::unique_ptr<std::byte[]> buf_;
  size_t len_ = 0;
  std::string pax_;  // reused between entries
};

}  // namespace berth::store
