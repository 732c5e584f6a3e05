// UnpackLayer: one pass over a layer blob. The compressed bytes are hashed (blob digest),
// decompressed, hashed again and counted (diff_id, bomb guard), and parsed by libarchive's tar
// reader, which is fed the already-decompressed bytes through a read callback (no libarchive
// filters, no archive_write_disk). Each header becomes an UnpackEntry for EntryWriter
// (unpack_entry.hpp), which does all the filesystem work relative to the destination fd.
#include "berth/store/layer_unpack.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "berth/base/strings.hpp"
#include "in_root.hpp"
#include "unpack_entry.hpp"
#include "whiteout.hpp"

namespace berth::store {

namespace {

using unpack::EntryData;
using unpack::EntryWriter;
using unpack::UnpackEntry;

constexpr size_t kTarBufferSize = size_t{1} << 20;

// The uncompressed tar stream as libarchive reads it. Every byte passes through here exactly
// once, including whatever follows the end-of-archive blocks (Drain), so the diff_id covers
// the whole stream as umoci's and containerd's do.
class TarSource {
 public:
  TarSource(Reader& in, uint64_t max_bytes, bool hash)
      : in_(in), max_bytes_(max_bytes), hash_(hash), buf_(kTarBufferSize) {}

  static la_ssize_t ReadCallback(struct archive* a, void* self, const void** out) {
    auto* src = static_cast<TarSource*>(self);
    auto n = src->Fill();
    if (!n) {
      src->error_ = std::move(n).error();
      archive_set_error(a, EIO, "%s", src->error_->message.c_str());
      return -1;
    }
    *out = src->buf_.data();
    return static_cast<la_ssize_t>(*n);
  }

  // Reads the rest of the stream after libarchive has stopped at the end-of-archive marker.
  Result<void> Drain() {
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(size_t n, Fill());
      if (n == 0) return Ok();
    }
  }

  // The error that made the read callback fail, if any: it explains a libarchive failure
  // better than libarchive can.
  const std::optional<Error>& error() const { return error_; }
  uint64_t size() const { return size_; }
  Digest Finish() { return sha_.Finish(); }

 private:
  Result<size_t> Fill() {
    BERTH_ASSIGN_OR_RETURN(size_t n, in_.Read(buf_));
    size_ += n;
    if (size_ > max_bytes_) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "layer exceeds " + std::to_string(max_bytes_) + " bytes uncompressed");
    }
    if (hash_) sha_.Update(std::span<const std::byte>(buf_.data(), n));
    return n;
  }

  Reader& in_;
  uint64_t max_bytes_;
  bool hash_;
  std::vector<std::byte> buf_;
  uint64_t size_ = 0;
  Sha256 sha_;
  std::optional<Error> error_;
};

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

// A libarchive failure, explained by the stream error behind it when there is one.
Error ArchiveError(struct archive* a, const TarSource& src, std::string_view what) {
  if (src.error()) return *src.error();
  const char* text = archive_error_string(a);
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(what) + ": " + (text ? text : "malformed tar"));
}

class ArchiveData : public EntryData {
 public:
  ArchiveData(struct archive* a, const TarSource& src) : a_(a), src_(src) {}
  Result<bool> Next(const void** data, size_t* size, int64_t* offset) override {
    la_int64_t off = 0;
    int rc = archive_read_data_block(a_, data, size, &off);
    if (rc == ARCHIVE_EOF) return false;
    if (rc < ARCHIVE_WARN) return ArchiveError(a_, src_, "read file data");
    *offset = off;
    return true;
  }

 private:
  struct archive* a_;
  const TarSource& src_;
};

Result<void> ConvertIds(struct archive_entry* ae, UnpackEntry& e) {
  // uid_t(-1) means "leave unchanged" to chown; larger values do not fit at all.
  constexpr int64_t kMaxId = std::numeric_limits<uint32_t>::max() - 1;
  int64_t uid = archive_entry_uid(ae), gid = archive_entry_gid(ae);
  if (uid < 0 || uid > kMaxId || gid < 0 || gid > kMaxId) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unpack entry " + Quote(e.name) + ": uid or gid out of range");
  }
  e.attrs.uid = static_cast<uid_t>(uid);
  e.attrs.gid = static_cast<gid_t>(gid);
  return Ok();
}

// `index` counts from 1, for the message about an entry that has no name to show.
Result<UnpackEntry> ConvertEntry(struct archive_entry* ae, uint64_t index) {
  UnpackEntry e;
  // In the C locale libarchive cannot convert UTF-8 pax names and says so with ARCHIVE_WARN,
  // but keeps the raw bytes, which are what the filesystem should get.
  const char* name = archive_entry_pathname(ae);
  if (!name) name = archive_entry_pathname_utf8(ae);
  if (!name) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "read tar: entry " + std::to_string(index) + " has no name");
  }
  e.name = name;
  e.components = unpack::CleanComponents(e.name);
  e.type = archive_entry_filetype(ae);
  if (const char* hl = archive_entry_hardlink(ae)) {
    e.hardlink = true;
    e.link = hl;
  } else if (e.type == AE_IFLNK) {
    const char* target = archive_entry_symlink(ae);
    e.link = target ? target : "";
  }
  e.rdev = archive_entry_rdev(ae);
  e.size = archive_entry_size(ae);
  e.attrs.mode = archive_entry_perm(ae) & 07777;
  BERTH_TRY(ConvertIds(ae, e));
  e.attrs.mtime = {archive_entry_mtime(ae), archive_entry_mtime_nsec(ae)};
  e.attrs.atime = archive_entry_atime_is_set(ae)
                      ? timespec{archive_entry_atime(ae), archive_entry_atime_nsec(ae)}
                      : e.attrs.mtime;
  archive_entry_xattr_reset(ae);
  const char* xname = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(ae, &xname, &value, &size) == ARCHIVE_OK) {
    // A layer must not forge overlay metadata (opaque dirs, redirects, metacopy origins).
    if (!xname || unpack::IsOverlayXattr(xname)) continue;
    e.attrs.xattrs.emplace_back(xname, std::string(static_cast<const char*>(value), size));
  }
  return e;
}

Result<uint64_t> UnpackEntries(struct archive* a, TarSource& src, EntryWriter& writer) {
  uint64_t entries = 0;
  for (;;) {
    struct archive_entry* ae = nullptr;
    int rc = archive_read_next_header(a, &ae);
    if (rc == ARCHIVE_EOF) return entries;
    if (rc < ARCHIVE_WARN) {
      return ArchiveError(a, src, "read tar header after " + std::to_string(entries) + " entries");
    }
    BERTH_ASSIGN_OR_RETURN(UnpackEntry e, ConvertEntry(ae, entries + 1));
    ArchiveData data(a, src);
    BERTH_TRY(writer.Apply(e, data));
    ++entries;
  }
}

}  // namespace

Result<UnpackStats> UnpackLayer(Reader& in, int dest_dirfd, const UnpackOptions& options) {
  HashingReader blob(in);
  BERTH_ASSIGN_OR_RETURN(auto decompressed, DecompressReader::Open(blob));
  const Compression compression = decompressed->detected();
  // Uncompressed, the tar is the blob: its digest is already being computed.
  TarSource tar(*decompressed, options.max_uncompressed_bytes,
                /*hash=*/compression != Compression::kNone);

  EntryWriter writer(dest_dirfd, options.user_xattr);
  BERTH_TRY(writer.Init());
  ArchivePtr a(archive_read_new());
  if (!a) return MakeError(ErrorCode::kInternal, "create tar reader: out of memory");
  // Only tar (ustar, pax, GNU); an empty stream reads as an empty archive.
  archive_read_support_format_tar(a.get());
  archive_read_support_format_empty(a.get());
  if (archive_read_open(a.get(), &tar, nullptr, TarSource::ReadCallback, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a.get(), tar, "read tar");
  }
  BERTH_ASSIGN_OR_RETURN(uint64_t entries, UnpackEntries(a.get(), tar, writer));
  BERTH_TRY(tar.Drain());
  BERTH_TRY(writer.Finish());

  UnpackStats stats;
  stats.tar_size = tar.size();
  stats.blob_size = blob.size();
  stats.blob_digest = blob.Finish();
  stats.diff_id = DiffId(compression == Compression::kNone ? stats.blob_digest : tar.Finish());
  stats.entries = entries;
  stats.compression = compression;
  return stats;
}

}  // namespace berth::store
