// UnpackLayer: one pass over a layer blob. The compressed bytes are hashed (blob digest),
// decompressed, hashed again and counted (diff_id, bomb guard) on a read-ahead thread
// (read_ahead.hpp), and parsed by libarchive's tar reader, which is fed the already
// decompressed bytes through a read callback (no libarchive filters, no archive_write_disk).
// Each header becomes an UnpackEntry for EntryWriter (unpack_entry.hpp), which does all the
// filesystem work relative to the destination fd on the calling thread.
#include "berth/store/layer_unpack.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "archive_api.hpp"
#include "berth/base/strings.hpp"
#include "in_root.hpp"
#include "read_ahead.hpp"
#include "unpack_entry.hpp"
#include "whiteout.hpp"

namespace berth::store {

namespace {

using unpack::EntryData;
using unpack::EntryWriter;
using unpack::UnpackEntry;

// The read-ahead keeps up to kChunks chunks of the tar stream ready for libarchive.
constexpr size_t kChunkSize = size_t{1} << 20;
constexpr size_t kChunks = 4;

// The uncompressed tar stream: hashed for the diff_id and counted against the size limit as
// it is produced (on the read-ahead thread). Every byte passes through here exactly once,
// including whatever follows the end-of-archive blocks, so the diff_id covers the whole
// stream as umoci's and containerd's do.
class TarStream : public Reader {
 public:
  TarStream(Reader& in, uint64_t max_bytes, bool hash) : hashed_(in, hash), max_bytes_(max_bytes) {}

  Result<size_t> Read(std::span<std::byte> buf) override {
    BERTH_ASSIGN_OR_RETURN(size_t n, hashed_.Read(buf));
    if (hashed_.size() > max_bytes_) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "layer exceeds " + std::to_string(max_bytes_) + " bytes uncompressed");
    }
    return n;
  }
  uint64_t size() const { return hashed_.size(); }
  Digest Finish() { return hashed_.Finish(); }

 private:
  HashingReader hashed_;
  uint64_t max_bytes_;
};

// libarchive's side of the read-ahead.
class ArchiveSource {
 public:
  explicit ArchiveSource(unpack::ReadAhead& ahead) : ahead_(ahead) {}

  static la_ssize_t ReadCallback(struct archive* a, void* self, const void** out) {
    auto* src = static_cast<ArchiveSource*>(self);
    auto chunk = src->ahead_.Next();
    if (!chunk) {
      src->error_ = std::move(chunk).error();
      archive_set_error(a, EIO, "%s", src->error_->message.c_str());
      return -1;
    }
    *out = chunk->data();
    return static_cast<la_ssize_t>(chunk->size());
  }

  // Reads the rest of the stream after libarchive has stopped at the end-of-archive marker.
  Result<void> Drain() {
    for (;;) {
      BERTH_ASSIGN_OR_RETURN(auto chunk, ahead_.Next());
      if (chunk.empty()) return Ok();
    }
  }

  // The error that made the read callback fail, if any: it explains a libarchive failure
  // better than libarchive can.
  const std::optional<Error>& error() const { return error_; }

 private:
  unpack::ReadAhead& ahead_;
  std::optional<Error> error_;
};

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

// A libarchive failure, explained by the stream error behind it when there is one.
Error ArchiveError(struct archive* a, const ArchiveSource& src, std::string_view what) {
  if (src.error()) return *src.error();
  const char* text = archive_error_string(a);
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(what) + ": " + (text ? text : "malformed tar"));
}

class ArchiveData : public EntryData {
 public:
  ArchiveData(struct archive* a, const ArchiveSource& src) : a_(a), src_(src) {}
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
  const ArchiveSource& src_;
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

Result<uint64_t> UnpackEntries(struct archive* a, ArchiveSource& src, EntryWriter& writer) {
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
  EntryWriter writer(dest_dirfd, options.user_xattr);
  BERTH_TRY(writer.Init());

  HashingReader blob(in, /*hash=*/options.verified_blob == nullptr);
  BERTH_ASSIGN_OR_RETURN(auto decompressed, DecompressReader::Open(blob));
  const Compression compression = decompressed->detected();
  // Uncompressed, the tar is the blob: its digest is already being computed.
  TarStream tar(*decompressed, options.max_uncompressed_bytes,
                /*hash=*/compression != Compression::kNone);
  // From here until Join(), `in`, `blob`, `decompressed` and `tar` belong to the read-ahead
  // thread. Declared after them, it is destroyed (and its thread stopped) before them.
  unpack::ReadAhead ahead(tar, kChunkSize, kChunks);
  BERTH_TRY(ahead.Start());
  ArchiveSource source(ahead);

  ArchivePtr a(archive_read_new());
  if (!a) return MakeError(ErrorCode::kInternal, "create tar reader: out of memory");
  // Only tar (ustar, pax, GNU); an empty stream reads as an empty archive.
  archive_read_support_format_tar(a.get());
  archive_read_support_format_empty(a.get());
  if (archive_read_open(a.get(), &source, nullptr, ArchiveSource::ReadCallback, nullptr) !=
      ARCHIVE_OK) {
    return ArchiveError(a.get(), source, "read tar");
  }
  BERTH_ASSIGN_OR_RETURN(uint64_t entries, UnpackEntries(a.get(), source, writer));
  BERTH_TRY(source.Drain());
  ahead.Join();
  BERTH_TRY(writer.Finish());

  UnpackStats stats;
  stats.tar_size = tar.size();
  stats.blob_size = blob.size();
  stats.blob_digest = options.verified_blob != nullptr ? *options.verified_blob : blob.Finish();
  stats.diff_id = DiffId(compression == Compression::kNone ? stats.blob_digest : tar.Finish());
  stats.entries = entries;
  stats.compression = compression;
  return stats;
}

}  // namespace berth::store
