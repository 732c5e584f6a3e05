// XattrReader: all extended attributes of one inode, read without following symlinks.
//
// Regular files and directories are read through an open fd. Symlinks, devices and fifos
// cannot be opened for this (opening a device has side effects, O_PATH fds refuse
// flistxattr), so they are read as "/proc/self/fd/<dirfd>/<name>" with the l*xattr calls:
// the kernel resolves the directory through its fd and only the last component by name, which
// keeps the lookup inside the walked tree without the caller joining paths. Needs /proc.
// Buffers are reused between calls; single-threaded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::store {

struct XattrValue {
  std::string name;
  std::string value;  // binary
};

class XattrReader {
 public:
  // Replaces `out` with the xattrs of the open file `fd`, sorted by name. A filesystem
  // without xattr support gives an empty list. Errors are SysErrors naming `what` (the
  // entry's path in the layer): "list xattrs of 'etc/x': permission denied".
  Result<void> ReadFd(int fd, std::string_view what, std::vector<XattrValue>& out);
  // The same for the entry `name` of the directory `dirfd`; a symlink is not followed.
  Result<void> ReadAt(int dirfd, std::string_view name, std::string_view what,
                      std::vector<XattrValue>& out);

 private:
  template <typename List, typename Get>
  Result<void> Read(List list, Get get, std::string_view what, std::vector<XattrValue>& out);

  std::vector<char> names_ = std::vector<char>(4096);
  std::vector<char> value_ = std::vector<char>(4096);
  std::string path_;
};

}  // namespace berth::store
