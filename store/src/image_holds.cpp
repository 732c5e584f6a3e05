// Image holds: `holds/<holder>` names an image that something outside the store (a
// container) runs on. The file holds "<manifest digest> <config digest>\n" and enters by
// rename, so a reader sees no hold or a whole one.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/store.hpp"

namespace berth::store {

namespace {

bool ValidHolder(const std::string& holder) {
  // No '.': WriteFileAtomic's stages ("<name>.tmp-XXXX") are never read as holds.
  return !holder.empty() && holder.size() <= 128 &&
         std::all_of(holder.begin(), holder.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

}  // namespace

fs::path Store::holds_dir() const { return root_ / "holds"; }

Result<void> Store::HoldImage(const std::string& holder, const ImageRecord& image) {
  if (!ValidHolder(holder)) {
    return MakeError(ErrorCode::kInvalidArgument, "hold image: bad holder name " + Quote(holder));
  }
  BERTH_TRY(MakeDirs(holds_dir()));
  std::string line = image.manifest.String() + " " + image.config.String() + "\n";
  // Renamed into place but not fsync'ed: a hold lost to a power cut only lets `rmi` remove
  // an image that no container was running at that moment.
  auto r = WriteFileReplace(holds_dir() / holder, line, 0644);
  if (!r) return std::move(r).error().Context("hold image " + image.config.Short());
  return Ok();
}

Result<void> Store::ReleaseHold(const std::string& holder) {
  if (!ValidHolder(holder)) return Ok();
  if (::unlink((holds_dir() / holder).c_str()) < 0 && errno != ENOENT) {
    return SysError("release hold " + Quote(holder), errno);
  }
  return Ok();
}

Result<std::vector<ImageHold>> Store::Holds() const {
  std::vector<ImageHold> holds;
  auto names = ListDir(holds_dir());
  if (!names) {
    if (names.error().code == ErrorCode::kNotFound) return holds;
    return std::move(names).error();
  }
  for (const auto& name : *names) {
    if (!ValidHolder(name)) continue;  // a stage of WriteFileAtomic, or litter
    auto text = ReadFile(holds_dir() / name, 4096);
    if (!text) continue;  // removed meanwhile
    auto parts = Split(Trim(*text), ' ');
    if (parts.size() != 2) continue;
    auto manifest = Digest::Parse(parts[0]);
    auto config = Digest::Parse(parts[1]);
    if (!manifest || !config) continue;
    ImageHold h;
    h.holder = name;
    h.image.manifest = *manifest;
    h.image.config = *config;
    holds.push_back(std::move(h));
  }
  return holds;
}

Result<std::vector<std::string>> Store::HoldersOf(const ImageRecord& image) const {
  BERTH_ASSIGN_OR_RETURN(auto holds, Holds());
  std::vector<std::string> holders;
  for (const auto& h : holds) {
    if (h.image.manifest == image.manifest) holders.push_back(h.holder);
  }
  return holders;
}

}  // namespace berth::store
