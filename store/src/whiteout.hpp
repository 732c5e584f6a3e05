// Whiteouts in overlay form (OCI image-spec layer.md "Whiteouts"; kernel overlayfs.rst).
//
// A layer tar marks deletions with names: `.wh.NAME` deletes NAME from the layers below, and
// `.wh..wh..opq` in directory D hides everything below D from lower layers. OverlayFS reads
// the same facts from inodes instead: a 0/0 character device NAME, and the xattr
// `trusted.overlay.opaque=y` (`user.overlay.opaque` for userxattr mounts) on D. This file
// classifies tar names and creates those inodes. Stateless and thread-safe.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <string_view>

#include "berth/base/result.hpp"

namespace berth::store::unpack {

enum class WhiteoutKind {
  kNone,     // an ordinary name
  kDelete,   // `.wh.NAME`: delete NAME from lower layers
  kOpaque,   // `.wh..wh..opq`: make the containing directory opaque
  kMeta,     // another `.wh..wh.*` name (AUFS bookkeeping such as `.wh..wh.plnk`): skip
  kInvalid,  // `.wh.`, `.wh..`, `.wh...`: no valid target (containerd errInvalidArchive)
};

struct WhiteoutName {
  WhiteoutKind kind = WhiteoutKind::kNone;
  std::string_view target;  // NAME for kDelete
};

// Classifies the last component of an entry name.
WhiteoutName ClassifyWhiteout(std::string_view base);

// The opaque xattr overlay reads: trusted.overlay.opaque or user.overlay.opaque.
const char* OpaqueXattrName(bool user_xattr);

// True for the xattr namespaces overlay keeps its own metadata in (trusted.overlay.*,
// user.overlay.*). A layer must not carry them: it could forge opaque dirs, redirects or
// metacopy origins.
bool IsOverlayXattr(std::string_view name);

// True for a 0/0 character device: the overlay whiteout inode.
bool IsWhiteoutDevice(const struct stat& st);

// Creates the whiteout device `name` in `parent_fd` (mode 0, like containers/storage), owned
// by uid:gid unless the kernel already gave it that owner (`created_uid`/`created_gid`).
// Needs CAP_MKNOD, or a user namespace on Linux >= 5.8.
Result<void> CreateWhiteoutDevice(int parent_fd, const std::string& name, uid_t uid, gid_t gid,
                                  uid_t created_uid, gid_t created_gid);

// Sets the opaque xattr on the directory `dir_fd` (any fd for the directory, O_PATH too).
Result<void> SetOpaque(int dir_fd, bool user_xattr);

}  // namespace berth::store::unpack
