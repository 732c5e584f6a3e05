// ImageStore: the image records in `<root>/images.json`.
//
// An image is its manifest digest; its id is its config digest (as podman shows it). Each
// record carries the normalised names ("docker.io/library/alpine:latest") that point at it;
// a name points at one image at most, so tagging moves a name. An image with no names is
// dangling (`<none>`), kept until removed or pruned. Every change is a read-modify-write under
// `<root>/images.lock` that replaces images.json atomically, so concurrent berth processes
// never lose each other's updates and a crash leaves the old or the new file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/digest.hpp"

namespace berth::store {

namespace fs = std::filesystem;

struct ImageRecord {
  Digest manifest;                 // the image manifest (never an index)
  Digest config;                   // image id
  std::vector<std::string> names;  // normalised references, tag form
  std::vector<std::string> digests;  // repo digests "docker.io/library/alpine@sha256:..."
  int64_t created = 0;             // from the config, Unix seconds; 0 if unknown
  int64_t added = 0;               // when it entered this store, Unix seconds
  uint64_t size = 0;               // sum of the layers' uncompressed sizes
};

class ImageStore {
 public:
  explicit ImageStore(fs::path root);

  Result<std::vector<ImageRecord>> List() const;

  // Runs `change` on the current records under the images lock and writes the result
  // atomically. `change` may fail; then nothing is written.
  Result<void> Update(const std::function<Result<void>(std::vector<ImageRecord>&)>& change);

  // Adds `rec` or merges it into the record with the same manifest (names and digests are
  // unioned). Each of rec.names is first removed from any other image.
  Result<void> Put(const ImageRecord& rec);

 private:
  fs::path root_;
};

// Serialisation used by ImageStore; exposed for tests.
std::string ImageRecordsToJson(const std::vector<ImageRecord>& records);
Result<std::vector<ImageRecord>> ImageRecordsFromJson(std::string_view json);

}  // namespace berth::store
