#include "berth/store/staged.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::store {

namespace {

// rename(2) that refuses to replace an existing destination, then makes the rename durable.
Result<void> RenameNoReplace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) < 0) {
    int err = errno;
    if (err == EEXIST || err == ENOTEMPTY) {
      return MakeError(ErrorCode::kAlreadyExists, Quote(to.string()) + " already exists");
    }
    return SysError("rename " + Quote(from.string()) + " to " + Quote(to.string()), err);
  }
  return FsyncPath(to.parent_path());
}

}  // namespace

Result<StagedFile> StagedFile::Create(const fs::path& tmp_dir) {
  std::string tmpl = (tmp_dir / "blob-XXXXXX").string();
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return SysError("create staged file in " + Quote(tmp_dir.string()), errno);
  StagedFile f;
  f.fd_.Reset(fd);
  f.path_ = tmpl;
  return f;
}

StagedFile::StagedFile(StagedFile&& o) noexcept : fd_(std::move(o.fd_)), path_(std::move(o.path_)) {
  o.path_.clear();
}

StagedFile& StagedFile::operator=(StagedFile&& o) noexcept {
  if (this != &o) {
    Discard();
    fd_ = std::move(o.fd_);
    path_ = std::move(o.path_);
    o.path_.clear();
  }
  return *this;
}

StagedFile::~StagedFile() { Discard(); }

void StagedFile::Discard() {
  fd_.Reset();
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

Result<void> StagedFile::Commit(const fs::path& dest) {
  // Blobs are read by others as soon as they are visible: make them world-readable like
  // every other store object, then durable, then visible.
  if (::fchmod(fd_.get(), 0644) < 0) return SysError("chmod " + Quote(path_.string()), errno);
  if (::fsync(fd_.get()) < 0) return SysError("fsync " + Quote(path_.string()), errno);
  auto r = RenameNoReplace(path_, dest);
  if (!r) {
    Discard();
    return r;
  }
  fd_.Reset();
  path_.clear();
  return Ok();
}

Result<StagedDir> StagedDir::Create(const fs::path& tmp_dir) {
  std::string tmpl = (tmp_dir / "dir-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    return SysError("create staged dir in " + Quote(tmp_dir.string()), errno);
  }
  StagedDir d;
  d.path_ = tmpl;
  return d;
}

StagedDir::StagedDir(StagedDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }

StagedDir& StagedDir::operator=(StagedDir&& o) noexcept {
  if (this != &o) {
    Discard();
    path_ = std::move(o.path_);
    o.path_.clear();
  }
  return *this;
}

StagedDir::~StagedDir() { Discard(); }

void StagedDir::Discard() {
  if (!path_.empty()) (void)RemoveTree(path_);
  path_.clear();
}

Result<void> StagedDir::Commit(const fs::path& dest) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, Open(path_, O_RDONLY | O_DIRECTORY));
  // One syncfs makes every file of the tree durable at once; fsyncing each file would cost
  // a journal commit per file on ext4.
  if (::syncfs(fd.get()) < 0) return SysError("syncfs " + Quote(path_.string()), errno);
  if (::fchmod(fd.get(), 0755) < 0) return SysError("chmod " + Quote(path_.string()), errno);
  auto r = RenameNoReplace(path_, dest);
  if (!r) {
    Discard();
    return r;
  }
  path_.clear();
  return Ok();
}

}  // namespace berth::store
