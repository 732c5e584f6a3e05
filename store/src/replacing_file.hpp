// ReplacingFile: an output file that replaces `path` all at once.
//
// Archives that berth saves are written to `<path>.tmp-XXXXXX` next to the target and renamed
// over it only when complete, so a reader (or a crash) sees the old file or the new one,
// never a truncated archive. An uncommitted file is unlinked when its owner goes away.
// Move-only; single-threaded.
#pragma once

#include <filesystem>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::store {

class ReplacingFile {
 public:
  // Creates the temporary sibling of `path`, open for writing. Errors name it.
  static Result<ReplacingFile> Create(const std::filesystem::path& path);

  ReplacingFile() = default;
  ReplacingFile(ReplacingFile&& o) noexcept;
  ReplacingFile& operator=(ReplacingFile&& o) noexcept;
  ~ReplacingFile();

  int fd() const { return fd_.get(); }
  // fsync, mode 0644, rename over the target, fsync its directory.
  Result<void> Commit();

 private:
  void Discard();
  UniqueFd fd_;
  std::filesystem::path tmp_;
  std::filesystem::path target_;
};

}  // namespace berth::store
