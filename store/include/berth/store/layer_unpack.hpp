// Layer unpack: a layer tar stream (plain, gzip or zstd) into overlay form.
//
// Overlay form is a directory usable as an OverlayFS lowerdir on its own: whiteout entries
// `.wh.NAME` become 0/0 character devices NAME, `.wh..wh..opq` sets the
// `trusted.overlay.opaque=y` xattr on its directory (wherever it appears in the tar), other
// `.wh..wh.*` names are skipped. Everything else keeps type, mode (setuid/setgid/sticky too),
// uid/gid, mtime, xattrs (security.capability included; overlay's own trusted.overlay.* and
// user.overlay.* names from the tar are dropped), hardlinks, devices, fifos, PAX long names and
// sparse files.
//
// The tar is hostile input. Nothing is created, changed or revealed outside the destination:
// every path is resolved relative to the destination fd with RESOLVE_IN_ROOT semantics
// (`..` and absolute symlinks stay inside), nothing is written through a symlink (final
// components use O_NOFOLLOW / AT_SYMLINK_NOFOLLOW), hardlink targets must resolve inside the
// layer, an entry that resolves to the root may only change the root's metadata, and whiteout
// names must be non-empty and not `.`, `..`. Memory stays bounded whatever the layer's size.
//
// Requires privileges to create devices, set trusted.* xattrs and chown (root, or a user
// namespace on Linux >= 5.8 for whiteouts). Thread-safe: layers may unpack in parallel.
#pragma once

#include <cstdint>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"
#include "berth/store/compression.hpp"
#include "berth/store/digest.hpp"

namespace berth::store {

struct UnpackOptions {
  // Decompression-bomb guard: the uncompressed tar may not exceed this many bytes.
  uint64_t max_uncompressed_bytes = uint64_t{256} << 30;
  // Use user.overlay.opaque instead of trusted.overlay.opaque (for rootless userxattr mounts).
  bool user_xattr = false;
  // The caller has just verified the blob's bytes against this digest (the puller hashed
  // them as they arrived): they are not hashed again, and UnpackStats::blob_digest is it.
  const Digest* verified_blob = nullptr;
};

struct UnpackStats {
  DiffId diff_id;           // sha256 of the whole uncompressed stream, trailing bytes included
  uint64_t tar_size = 0;    // uncompressed bytes
  Digest blob_digest;       // sha256 of the bytes read from `in`
  uint64_t blob_size = 0;   // bytes read from `in`
  uint64_t entries = 0;     // tar entries processed
  Compression compression = Compression::kNone;
};

// Unpacks `in` (read to its end) into the empty directory `dest_dirfd`. On failure the error
// names the offending entry (kInvalidArgument for hostile or malformed input) and the
// directory may hold a partial tree: the caller stages it and discards it. `in` is read on a
// helper thread while the calling thread writes files (never both at once, and never after
// UnpackLayer returns), so it must not depend on being read from the calling thread.
Result<UnpackStats> UnpackLayer(Reader& in, int dest_dirfd, const UnpackOptions& options = {});

}  // namespace berth::store
