#include "berth/store/archive_unpack.hpp"

#include <unistd.h>

#include <cstring>
#include <memory>

#include "archive_api.hpp"

namespace berth::store {

namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

// The decompressed bytes of a file, whatever libarchive filter it needs ("raw" format: the
// whole stream is one entry).
class DecompressingReader : public Reader {
 public:
  static Result<DecompressingReader> Open(int fd) {
    if (::lseek(fd, 0, SEEK_SET) < 0) return SysError("rewind archive", errno);
    DecompressingReader r;
    r.a_.reset(archive_read_new());
    if (!r.a_) return MakeError(ErrorCode::kInternal, "archive_read_new failed");
    archive_read_support_filter_all(r.a_.get());
    archive_read_support_format_raw(r.a_.get());
    archive_entry* entry = nullptr;
    if (archive_read_open_fd(r.a_.get(), fd, 64 << 10) != ARCHIVE_OK ||
        archive_read_next_header(r.a_.get(), &entry) != ARCHIVE_OK) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string("read archive: ") + archive_error_string(r.a_.get()));
    }
    return r;
  }
  Result<size_t> Read(std::span<std::byte> buf) override {
    la_ssize_t n = archive_read_data(a_.get(), buf.data(), buf.size());
    if (n < 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string("decompress archive: ") + archive_error_string(a_.get()));
    }
    return static_cast<size_t>(n);
  }

 private:
  DecompressingReader() = default;
  std::unique_ptr<archive, ArchiveFree> a_;
};

}  // namespace

bool IsTarArchive(int fd) {
  auto r = DecompressingReader::Open(fd);
  if (!r) return false;
  std::byte head[512];
  size_t got = 0;
  while (got < sizeof head) {
    auto n = r->Read(std::span<std::byte>(head + got, sizeof head - got));
    if (!n || *n == 0) break;
    got += *n;
  }
  return got == sizeof head && std::memcmp(head + 257, "ustar", 5) == 0;
}

Result<UnpackStats> UnpackArchive(int fd, int dest_dirfd) {
  BERTH_ASSIGN_OR_RETURN(DecompressingReader r, DecompressingReader::Open(fd));
  return UnpackLayer(r, dest_dirfd);
}

}  // namespace berth::store
