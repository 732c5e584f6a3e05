// StagedFile and StagedDir: how everything enters the store.
//
// A stage lives under the store's tmp/ directory with a unique name. `Commit(dest)` makes it
// durable (fsync of the file, or syncfs for a directory tree) and renames it into place, then
// fsyncs the destination's directory: a reader sees nothing or the complete object. A stage
// that is not committed is removed when its owner goes away, and one left by a crash is
// removed by the next garbage collection. Move-only.
#pragma once

#include <filesystem>
#include <string>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::store {

namespace fs = std::filesystem;

class StagedFile {
 public:
  // Creates an empty file in `tmp_dir`, open for reading and writing.
  static Result<StagedFile> Create(const fs::path& tmp_dir);

  StagedFile() = default;
  StagedFile(StagedFile&&) noexcept;
  StagedFile& operator=(StagedFile&&) noexcept;
  ~StagedFile();

  int fd() const { return fd_.get(); }
  const fs::path& path() const { return path_; }
  // fsync, rename to `dest`, fsync dest's directory. kAlreadyExists (and the stage removed)
  // if `dest` exists: content-addressed callers treat that as success.
  Result<void> Commit(const fs::path& dest);

 private:
  void Discard();
  UniqueFd fd_;
  fs::path path_;
};

class StagedDir {
 public:
  // Creates an empty directory (mode 0700) in `tmp_dir`.
  static Result<StagedDir> Create(const fs::path& tmp_dir);

  StagedDir() = default;
  StagedDir(StagedDir&&) noexcept;
  StagedDir& operator=(StagedDir&&) noexcept;
  ~StagedDir();

  const fs::path& path() const { return path_; }
  // syncfs, rename to `dest`, fsync dest's directory. kAlreadyExists (stage removed) if
  // `dest` exists.
  Result<void> Commit(const fs::path& dest);

 private:
  void Discard();
  fs::path path_;
};

}  // namespace berth::store
