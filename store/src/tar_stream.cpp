#include "tar_stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <vector>

#include "archive_api.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/compression.hpp"

namespace berth::store {

namespace {

constexpr size_t kBufSize = size_t{256} << 10;

// libarchive's messages start with a capital ("Truncated tar archive"); ours are lowercase.
std::string LibarchiveMessage(archive* a, std::string_view fallback) {
  const char* msg = archive_error_string(a);
  std::string out = msg && *msg ? msg : std::string(fallback);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z' && !(out.size() > 1 && std::isupper(out[1]))) {
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  }
  return out;
}

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

class FileTarReader final : public TarReader {
 public:
  Result<void> Init(const fs::path& path);
  Result<std::optional<TarMember>> Next() override;
  Reader& data() override { return data_; }

 private:
  // The current member's bytes, read through libarchive.
  class MemberData final : public Reader {
   public:
    explicit MemberData(FileTarReader* owner) : owner_(owner) {}
    Result<size_t> Read(std::span<std::byte> buf) override;

   private:
    FileTarReader* owner_;
  };

  static la_ssize_t ReadCb(archive* a, void* self, const void** buf);
  static la_int64_t SkipCb(archive* a, void* self, la_int64_t request);
  // The error for a failed libarchive call: the source's own error if it failed first.
  Error Failure() const;

  fs::path path_;
  UniqueFd fd_;
  FdReader file_{-1};
  std::unique_ptr<DecompressReader> decompress_;
  Reader* src_ = nullptr;
  std::vector<std::byte> buf_;
  std::optional<Error> src_error_;
  std::unique_ptr<archive, ArchiveReadFree> a_;
  MemberData data_{this};
};

Result<void> FileTarReader::Init(const fs::path& path) {
  path_ = path;
  BERTH_ASSIGN_OR_RETURN(fd_, Open(path, O_RDONLY));
  file_ = FdReader(fd_.get());
  std::byte head[4] = {};
  ssize_t n = ::pread(fd_.get(), head, sizeof head, 0);
  if (n < 0) return SysError("read " + Quote(path.string()), errno);
  Compression c = DetectCompression(std::span<const std::byte>(head, static_cast<size_t>(n)));
  bool seekable = false;
  if (c == Compression::kNone) {
    src_ = &file_;
    struct stat st;
    seekable = ::fstat(fd_.get(), &st) == 0 && S_ISREG(st.st_mode);
  } else {
    auto d = DecompressReader::Open(file_);
    if (!d) return d.error().Context("read " + Quote(path.string()));
    decompress_ = std::move(*d);
    src_ = decompress_.get();
  }
  buf_.resize(kBufSize);
  a_.reset(archive_read_new());
  if (!a_) return MakeError(ErrorCode::kInternal, "archive_read_new: out of memory");
  archive_read_support_format_tar(a_.get());
  // A skip callback is only safe when lseek moves the stream we read from, i.e. for a plain
  // file; a decompressed stream has to be read through.
  if (archive_read_open2(a_.get(), this, nullptr, &ReadCb, seekable ? &SkipCb : nullptr, nullptr) !=
      ARCHIVE_OK) {
    return Failure();
  }
  return Ok();
}

la_ssize_t FileTarReader::ReadCb(archive* a, void* self, const void** buf) {
  auto* r = static_cast<FileTarReader*>(self);
  auto n = r->src_->Read(r->buf_);
  if (!n) {
    r->src_error_ = n.error();
    archive_set_error(a, EIO, "%s", n.error().message.c_str());
    return -1;
  }
  *buf = r->buf_.data();
  return static_cast<la_ssize_t>(*n);
}

la_int64_t FileTarReader::SkipCb(archive*, void* self, la_int64_t request) {
  auto* r = static_cast<FileTarReader*>(self);
  // Returning 0 makes libarchive read the bytes instead; a skip past the end shows up as a
  // truncated archive on the next read.
  if (::lseek(r->fd_.get(), request, SEEK_CUR) < 0) return 0;
  return request;
}

Error FileTarReader::Failure() const {
  std::string what = "read " + Quote(path_.string());
  if (src_error_) return src_error_->Context(what);
  return MakeError(ErrorCode::kInvalidArgument,
                   what + ": " + LibarchiveMessage(a_.get(), "corrupt tar"));
}

Result<std::optional<TarMember>> FileTarReader::Next() {
  archive_entry* e = nullptr;
  int r = archive_read_next_header(a_.get(), &e);
  if (r == ARCHIVE_EOF) return std::optional<TarMember>();
  if (r < ARCHIVE_WARN) return Failure();
  TarMember m;
  const char* name = archive_entry_pathname(e);
  m.name = NormalizeMemberName(name ? name : "");
  m.size = archive_entry_size(e);
  if (const char* hl = archive_entry_hardlink(e)) {
    m.type = TarMember::Type::kHardlink;
    m.link = hl;
  } else {
    switch (archive_entry_filetype(e)) {
      case AE_IFREG:
        m.type = TarMember::Type::kFile;
        break;
      case AE_IFDIR:
        m.type = TarMember::Type::kDir;
        break;
      case AE_IFLNK:
        m.type = TarMember::Type::kSymlink;
        m.link = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
        break;
      default:
        m.type = TarMember::Type::kOther;
        break;
    }
  }
  return std::optional<TarMember>(std::move(m));
}

Result<size_t> FileTarReader::MemberData::Read(std::span<std::byte> buf) {
  la_ssize_t n = archive_read_data(owner_->a_.get(), buf.data(), buf.size());
  if (n < 0) return owner_->Failure();
  return static_cast<size_t>(n);
}

class StreamTarWriter final : public TarWriter {
 public:
  explicit StreamTarWriter(Writer& out) : out_(out) {}
  Result<void> Init();
  Result<void> AddDir(std::string_view name, int64_t mtime) override;
  Result<void> AddFile(std::string_view name, std::string_view data, int64_t mtime) override;
  Result<void> AddStream(std::string_view name, int64_t size, Reader& in, int64_t mtime) override;
  Result<void> Close() override;

 private:
  static la_ssize_t WriteCb(archive* a, void* self, const void* buf, size_t n);
  Result<void> Header(std::string_view name, bool dir, int64_t size, int64_t mtime);
  Result<void> WriteData(std::span<const std::byte> data);
  Error Failure(std::string_view what) const;

  Writer& out_;
  std::optional<Error> out_error_;
  std::unique_ptr<archive, ArchiveWriteFree> a_;
};

Result<void> StreamTarWriter::Init() {
  a_.reset(archive_write_new());
  if (!a_) return MakeError(ErrorCode::kInternal, "archive_write_new: out of memory");
  // pax_restricted is plain ustar unless a name or size needs an extended header, which is
  // what Go's archive/tar (docker, skopeo) writes too; no padding of the last block.
  if (archive_write_set_format_pax_restricted(a_.get()) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a_.get(), 1) != ARCHIVE_OK ||
      archive_write_open(a_.get(), this, nullptr, &WriteCb, nullptr) != ARCHIVE_OK) {
    return Failure("open tar writer");
  }
  return Ok();
}

la_ssize_t StreamTarWriter::WriteCb(archive* a, void* self, const void* buf, size_t n) {
  auto* w = static_cast<StreamTarWriter*>(self);
  auto r = w->out_.Write(std::span<const std::byte>(static_cast<const std::byte*>(buf), n));
  if (!r) {
    w->out_error_ = r.error();
    archive_set_error(a, EIO, "%s", r.error().message.c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

Error StreamTarWriter::Failure(std::string_view what) const {
  if (out_error_) return out_error_->Context(what);
  return MakeError(ErrorCode::kIo,
                   std::string(what) + ": " + LibarchiveMessage(a_.get(), "tar write failed"));
}

Result<void> StreamTarWriter::Header(std::string_view name, bool dir, int64_t size, int64_t mtime) {
  std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
  std::string path(name);
  if (dir && !path.ends_with('/')) path += '/';
  archive_entry_set_pathname(e.get(), path.c_str());
  archive_entry_set_filetype(e.get(), dir ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm(e.get(), dir ? 0755 : 0644);
  archive_entry_set_size(e.get(), dir ? 0 : size);
  archive_entry_set_mtime(e.get(), mtime, 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) {
    return Failure("write tar header " + Quote(path));
  }
  return Ok();
}

Result<void> StreamTarWriter::WriteData(std::span<const std::byte> data) {
  while (!data.empty()) {
    la_ssize_t n = archive_write_data(a_.get(), data.data(), data.size());
    if (n <= 0) return Failure("write tar data");
    data = data.subspan(static_cast<size_t>(n));
  }
  return Ok();
}

Result<void> StreamTarWriter::AddDir(std::string_view name, int64_t mtime) {
  return Header(name, true, 0, mtime);
}

Result<void> StreamTarWriter::AddFile(std::string_view name, std::string_view data, int64_t mtime) {
  BERTH_TRY(Header(name, false, static_cast<int64_t>(data.size()), mtime));
  BERTH_TRY(WriteData(AsBytes(data)));
  if (archive_write_finish_entry(a_.get()) != ARCHIVE_OK) return Failure("write tar entry");
  return Ok();
}

Result<void> StreamTarWriter::AddStream(std::string_view name, int64_t size, Reader& in,
                                        int64_t mtime) {
  BERTH_TRY(Header(name, false, size, mtime));
  std::vector<std::byte> buf(kBufSize);
  int64_t total = 0;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(size_t n, in.Read(buf));
    if (n == 0) break;
    // libarchive silently truncates data beyond the header's size, so count ourselves.
    if (total + static_cast<int64_t>(n) > size) {
      return MakeError(ErrorCode::kInvalidArgument, "tar member " + Quote(name) +
                                                        ": more than the " + std::to_string(size) +
                                                        " bytes declared");
    }
    BERTH_TRY(WriteData(std::span<const std::byte>(buf.data(), n)));
    total += static_cast<int64_t>(n);
  }
  if (total != size) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "tar member " + Quote(name) + ": " + std::to_string(total) +
                         " bytes instead of the " + std::to_string(size) + " declared");
  }
  if (archive_write_finish_entry(a_.get()) != ARCHIVE_OK) return Failure("write tar entry");
  return Ok();
}

Result<void> StreamTarWriter::Close() {
  if (archive_write_close(a_.get()) != ARCHIVE_OK) return Failure("finish tar");
  return Ok();
}

}  // namespace

std::string NormalizeMemberName(std::string_view name) {
  for (;;) {
    if (name.starts_with("./")) {
      name.remove_prefix(2);
    } else if (name.starts_with('/')) {
      name.remove_prefix(1);
    } else {
      break;
    }
  }
  while (name.ends_with('/')) name.remove_suffix(1);
  if (name == ".") return "";
  return std::string(name);
}

Result<std::unique_ptr<TarReader>> TarReader::OpenFile(const fs::path& path) {
  auto r = std::make_unique<FileTarReader>();
  BERTH_TRY(r->Init(path));
  return std::unique_ptr<TarReader>(std::move(r));
}

Result<std::unique_ptr<TarWriter>> TarWriter::Open(Writer& out) {
  auto w = std::make_unique<StreamTarWriter>(out);
  BERTH_TRY(w->Init());
  return std::unique_ptr<TarWriter>(std::move(w));
}

}  // namespace berth::store
