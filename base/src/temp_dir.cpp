#include "berth/base/temp_dir.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth {

Result<TempDir> TempDir::Create(const std::filesystem::path& parent, const std::string& prefix) {
  std::string tmpl = (parent / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) return SysError("create temp dir in " + Quote(parent.string()), errno);
  return TempDir(std::filesystem::path(tmpl));
}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

TempDir::~TempDir() { Remove(); }

std::filesystem::path TempDir::Release() {
  auto p = std::move(path_);
  path_.clear();
  return p;
}

void TempDir::Remove() {
  if (path_.empty()) return;
  const char* keep = std::getenv("BERTH_KEEP_TMP");
  if (!(keep && std::strcmp(keep, "1") == 0)) (void)RemoveTree(path_);
  path_.clear();
}

}  // namespace berth
