#include "xattr_read.hpp"

#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "berth/base/strings.hpp"

namespace berth::store {

namespace {

// Calls `call(buf, size)` until the buffer is large enough. The size can grow between the
// probe and the read when the attribute changes concurrently; ERANGE then just retries.
template <typename Call>
ssize_t CallGrowing(Call call, std::vector<char>& buf) {
  for (;;) {
    ssize_t n = call(buf.data(), buf.size());
    if (n >= 0 || errno != ERANGE) return n;
    ssize_t need = call(nullptr, 0);
    if (need < 0) return need;
    buf.resize(std::max(buf.size() * 2, static_cast<size_t>(need) + 1));
  }
}

}  // namespace

template <typename List, typename Get>
Result<void> XattrReader::Read(List list, Get get, std::string_view what,
                               std::vector<XattrValue>& out) {
  out.clear();
  ssize_t n = CallGrowing(list, names_);
  if (n < 0) {
    int err = errno;
    if (err == ENOTSUP) return Ok();
    if (err == ENOENT && ::access("/proc/self/fd", F_OK) != 0) {
      return MakeError(ErrorCode::kUnsupported,
                       "list xattrs of " + Quote(what) + ": /proc is not mounted");
    }
    return SysError("list xattrs of " + Quote(what), err);
  }
  for (size_t i = 0; i < static_cast<size_t>(n);) {
    const char* name = names_.data() + i;
    size_t len = ::strnlen(name, static_cast<size_t>(n) - i);
    i += len + 1;
    ssize_t v = CallGrowing([&](char* buf, size_t size) { return get(name, buf, size); }, value_);
    if (v < 0) {
      if (errno == ENODATA) continue;  // removed since it was listed
      return SysError("read xattr " + std::string(name) + " of " + Quote(what), errno);
    }
    out.push_back({std::string(name, len), std::string(value_.data(), static_cast<size_t>(v))});
  }
  std::sort(out.begin(), out.end(),
            [](const XattrValue& a, const XattrValue& b) { return a.name < b.name; });
  return Ok();
}

Result<void> XattrReader::ReadFd(int fd, std::string_view what, std::vector<XattrValue>& out) {
  return Read(
      [fd](char* buf, size_t size) { return ::flistxattr(fd, buf, size); },
      [fd](const char* name, char* buf, size_t size) { return ::fgetxattr(fd, name, buf, size); },
      what, out);
}

Result<void> XattrReader::ReadAt(int dirfd, std::string_view name, std::string_view what,
                                 std::vector<XattrValue>& out) {
  path_ = "/proc/self/fd/";
  path_ += std::to_string(dirfd);
  path_ += '/';
  path_ += name;
  const char* p = path_.c_str();
  return Read(
      [p](char* buf, size_t size) { return ::llistxattr(p, buf, size); },
      [p](const char* attr, char* buf, size_t size) { return ::lgetxattr(p, attr, buf, size); },
      what, out);
}

}  // namespace berth::store
