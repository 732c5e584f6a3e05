// Layer commit: a directory in overlay form back into a layer tar stream.
//
// The inverse of layer_unpack.hpp: 0/0 character devices become `.wh.NAME` entries and a
// directory with the opaque xattr gets a `.wh..wh..opq` entry (placed first among the
// directory's children). The stream is deterministic: entries sorted by name (bytewise),
// parents before children, uid/gid numeric with empty owner names, mtimes clamped to
// `source_date_epoch` when set, PAX headers only where needed, no atime/ctime, hardlinks
// (same inode, nlink > 1) written as links to the first path seen. overlay's own
// trusted.overlay.* / user.overlay.* xattrs are never written. Committing the same directory
// twice gives the same diff_id and digest. Reads only; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"
#include "berth/store/compression.hpp"
#include "berth/store/digest.hpp"

namespace berth::store {

struct CommitOptions {
  Compression compression = Compression::kGzip;
  int level = -1;  // compressor level; < 0 for the default
  // Clamp every mtime to at most this Unix time (SOURCE_DATE_EPOCH semantics).
  std::optional<int64_t> source_date_epoch;
  // Entries left out, with everything below them: paths relative to the directory, without
  // leading or trailing '/' ("etc/hosts").
  std::vector<std::string> exclude;
};

struct CommitStats {
  DiffId diff_id;          // sha256 of the uncompressed tar
  uint64_t tar_size = 0;
  Digest digest;           // sha256 of what was written to `out`
  uint64_t size = 0;       // bytes written to `out`
  std::string media_type;  // OCI layer media type for the compression used
  uint64_t entries = 0;
};

// Writes the tree under `src_dirfd` as a layer to `out`, computing diff_id and digest in the
// same pass. kInvalidArgument for a file type a tar cannot carry (sockets are skipped).
Result<CommitStats> CommitLayer(int src_dirfd, Writer& out, const CommitOptions& options = {});

}  // namespace berth::store
