// Tar streams for the image archive formats (oci-archive, docker-archive), on libarchive.
//
// TarReader reads the members of a tar file one after another in a single pass. A gzip or
// zstd wrapper is detected by magic and removed with DecompressReader; an uncompressed file
// is read straight from its fd so that unread member data is skipped with lseek rather than
// read (detection and loading of big docker-archives stay cheap). TarWriter writes members
// with fixed ownership (0:0), modes and times, so the same input gives the same bytes.
// These are not for layer tars (layer_unpack/layer_commit own those). Single-threaded,
// move-only objects.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"

namespace berth::store {

struct TarMember {
  enum class Type { kFile, kDir, kSymlink, kHardlink, kOther };
  // Normalised: no leading "./" or "/", no trailing "/" ("./blobs/" -> "blobs").
  std::string name;
  Type type = Type::kOther;
  int64_t size = 0;
  std::string link;  // symlink or hardlink target, as written in the archive
};

// Lexically normalises an archive member name (see TarMember::name). Returns "" for the
// archive root itself.
std::string NormalizeMemberName(std::string_view name);

class TarReader {
 public:
  // Opens the tar at `path` (plain, gzip or zstd). Errors name the path.
  static Result<std::unique_ptr<TarReader>> OpenFile(const std::filesystem::path& path);
  virtual ~TarReader() = default;

  // Advances to the next member; unread data of the current one is skipped. nullopt at the
  // end of the archive. kInvalidArgument for a corrupt or truncated archive.
  virtual Result<std::optional<TarMember>> Next() = 0;
  // The current member's data; valid until the next call to Next().
  virtual Reader& data() = 0;
};

class TarWriter {
 public:
  // Writes to the borrowed `out`; Close() must be called to finish the archive.
  static Result<std::unique_ptr<TarWriter>> Open(Writer& out);
  virtual ~TarWriter() = default;

  virtual Result<void> AddDir(std::string_view name, int64_t mtime) = 0;
  virtual Result<void> AddFile(std::string_view name, std::string_view data, int64_t mtime) = 0;
  // Streams `in` to its end as a member of `size` bytes; kInvalidArgument if `in` yields
  // more or fewer bytes (the archive is then unusable and must be discarded).
  virtual Result<void> AddStream(std::string_view name, int64_t size, Reader& in,
                                 int64_t mtime) = 0;
  // Writes the end-of-archive blocks.
  virtual Result<void> Close() = 0;
};

}  // namespace berth::store
