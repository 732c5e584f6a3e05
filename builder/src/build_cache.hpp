// The build cache: which image a build step made, by the step's cache key.
//
// The key of a step is sha256 over its parent image (the config digest, "" for scratch), its
// cache text from the planner (the instruction as expanded, with the build args it uses and
// its heredocs: plan_step.hpp) and, for COPY/ADD, the hash of its sources (content_hash.hpp)
// or the id of the image they come from. An entry is a file cache/build/<key> in the store
// holding the image id; it is written (atomically) after the image is recorded, and an entry
// whose image is gone (`image prune`) is a miss. Thread-compatible; entries are independent
// files, so concurrent builds may both write one (the last wins, both are valid).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "berth/base/result.hpp"
#include "berth/store/digest.hpp"
#include "berth/store/store.hpp"

namespace berth::builder {

std::string StepCacheKey(const std::string& parent_id, const std::string& cache_text,
                         const std::string& content);

class BuildCache {
 public:
  explicit BuildCache(const std::filesystem::path& store_root)
      : dir_(store_root / "cache" / "build") {}
  // The image recorded for `key`, if it is still in the store.
  std::optional<store::ImageRecord> Lookup(const store::Store& s, const std::string& key) const;
  Result<void> Record(const std::string& key, const store::ImageRecord& image) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace berth::builder
