#include "replacing_file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::store {

Result<ReplacingFile> ReplacingFile::Create(const std::filesystem::path& path) {
  std::string tmpl = path.string() + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return SysError("create " + Quote(tmpl), errno);
  ReplacingFile f;
  f.fd_ = UniqueFd(fd);
  f.tmp_ = tmpl;
  f.target_ = path;
  return f;
}

ReplacingFile::ReplacingFile(ReplacingFile&& o) noexcept
    : fd_(std::move(o.fd_)), tmp_(std::move(o.tmp_)), target_(std::move(o.target_)) {
  o.tmp_.clear();
}

ReplacingFile& ReplacingFile::operator=(ReplacingFile&& o) noexcept {
  if (this != &o) {
    Discard();
    fd_ = std::move(o.fd_);
    tmp_ = std::move(o.tmp_);
    target_ = std::move(o.target_);
    o.tmp_.clear();
  }
  return *this;
}

ReplacingFile::~ReplacingFile() { Discard(); }

void ReplacingFile::Discard() {
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  fd_.Reset();
}

Result<void> ReplacingFile::Commit() {
  // mkostemp creates 0600; an archive is an ordinary output file, as `podman save` makes it.
  if (::fchmod(fd_.get(), 0644) != 0) return SysError("chmod " + Quote(tmp_.string()), errno);
  if (::fsync(fd_.get()) != 0) return SysError("fsync " + Quote(tmp_.string()), errno);
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
    return SysError("rename " + Quote(tmp_.string()) + " to " + Quote(target_.string()), errno);
  }
  tmp_.clear();
  fd_.Reset();
  std::filesystem::path dir = target_.parent_path();
  return FsyncPath(dir.empty() ? std::filesystem::path(".") : dir);
}

}  // namespace berth::store
