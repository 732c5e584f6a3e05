#include "build_cache.hpp"

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/builder/build.hpp"

namespace berth::builder {

std::string StepCacheKey(const std::string& parent_id, const std::string& cache_text,
                         const std::string& content) {
  store::Sha256 h;
  // Each part with its length, so no two different triples hash alike.
  for (const std::string* part : {&parent_id, &cache_text, &content}) {
    h.Update(std::to_string(part->size()) + ":");
    h.Update(*part);
  }
  return h.Finish().hex();
}

std::optional<store::ImageRecord> BuildCache::Lookup(const store::Store& s,
                                                     const std::string& key) const {
  auto text = ReadFile(dir_ / key, 256);
  if (!text) return std::nullopt;
  auto image = s.FindImage(std::string(Trim(*text)));
  if (!image) return std::nullopt;
  return *image;
}

Result<void> BuildCache::Record(const std::string& key, const store::ImageRecord& image) const {
  BERTH_TRY(MakeDirs(dir_));
  return WriteFileReplace(dir_ / key, image.config.String() + "\n", 0644);
}

std::set<std::string> IntermediateImages(const std::filesystem::path& store_root) {
  std::set<std::string> out;
  std::filesystem::path dir = store_root / "cache" / "build";
  auto names = ListDir(dir);
  if (!names) return out;
  for (const auto& n : *names) {
    if (auto text = ReadFile(dir / n, 256)) out.insert(std::string(Trim(*text)));
  }
  return out;
}

}  // namespace berth::builder
