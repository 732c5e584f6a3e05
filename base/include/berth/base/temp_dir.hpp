// TempDir: a directory that is removed with everything in it when its owner goes away.
//
// Set BERTH_KEEP_TMP=1 to keep it for debugging. Move-only; thread-compatible.
#pragma once

#include <filesystem>
#include <string>

#include "berth/base/result.hpp"

namespace berth {

class TempDir {
 public:
  // Creates a fresh directory `<parent>/<prefix>XXXXXX` (mode 0700).
  static Result<TempDir> Create(const std::filesystem::path& parent, const std::string& prefix);

  TempDir() = default;
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  // Gives up ownership: the directory stays.
  std::filesystem::path Release();

 private:
  explicit TempDir(std::filesystem::path p) : path_(std::move(p)) {}
  void Remove();
  std::filesystem::path path_;
};

}  // namespace berth
