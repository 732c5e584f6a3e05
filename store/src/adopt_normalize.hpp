// Normalising an overlay upper dir into the exact unpacked form of its own layer tar.
//
// CommitLayer (layer_commit.hpp) writes only part of what an upper dir holds, and
// UnpackLayer (layer_unpack.hpp) restores only what the tar says. For an adopted directory
// to be the layer its blob describes, everything the round trip would lose is made to match
// in place, before the tar is written:
//   - mtimes: whole seconds (tar headers carry no fraction), clamped to SOURCE_DATE_EPOCH
//     when given; atime is set to the mtime, as the unpack does. Whiteout devices keep
//     theirs (the unpack gives them the time of the unpack, so no value is more right).
//   - whiteouts (0/0 character devices): mode 0000, as the unpack creates them; owner kept.
//   - overlay's own xattrs (trusted.overlay.*, user.overlay.*: origin, impure, nlink, ...)
//     are removed; an opaque directory (either namespace, value "y") keeps exactly
//     trusted.overlay.opaque=y. xattrs with an empty value are removed (the tar leaves them
//     out). security.selinux is left alone: it is host policy, neither in the tar nor under
//     the unpack's control.
//   - sockets are removed (a tar cannot carry them).
//   - the root directory, which a layer tar never names: mode 0755, owned by the calling
//     user, no xattrs but the opaque one (and security.selinux), whole-second mtime.
// metacopy and redirect xattrs fail with kUnsupported, as in CommitLayer: the data or the
// contents they point to live in a lower layer.
//
// Directories are walked fd-relative without following symlinks; each directory's times
// are set after its children are done, so nothing later moves them. Needs the privileges
// the changes need (trusted.* xattrs: CAP_SYS_ADMIN); a tree already in normal form needs
// none. Single-threaded; the tree must not change meanwhile.
#pragma once

#include <cstdint>
#include <optional>

#include "berth/base/result.hpp"

namespace berth::store::adopt {

struct NormalizeOptions {
  std::optional<int64_t> source_date_epoch;
};

// Normalises the tree under `root_fd` in place as described above. Errors name the entry.
Result<void> NormalizeOverlayDir(int root_fd, const NormalizeOptions& options);

}  // namespace berth::store::adopt
