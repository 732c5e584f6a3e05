// Tar archives as `ADD` meets them: plain or compressed with gzip, bzip2, xz or zstd
// (libarchive's decompression filters), told apart from other files by content, and unpacked
// with the layer unpacker's defences (layer_unpack.hpp: nothing outside the destination, no
// write through a symlink). Stateless; thread-safe.
#pragma once

#include "berth/base/result.hpp"
#include "berth/store/layer_unpack.hpp"

namespace berth::store {

// Whether the file open at `fd` (read from offset 0; the offset is left anywhere) is a tar
// archive, compressed or not: its first 512 decompressed bytes are a tar header ("ustar" at
// offset 257). False for anything else, including a file too short or unreadable.
bool IsTarArchive(int fd);

// Unpacks the (compressed) tar archive at `fd`, read from offset 0, into the empty directory
// `dest_dirfd`, as UnpackLayer does. Errors name the offending entry.
Result<UnpackStats> UnpackArchive(int fd, int dest_dirfd);

}  // namespace berth::store
