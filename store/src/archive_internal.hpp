// The per-format halves of archive.hpp, dispatched from archive_detect.cpp.
//
// A loader verifies and stores every blob of every image in the archive and returns the
// images found; only then does LoadArchive commit them, so a failure anywhere leaves no image
// record behind (blobs already verified stay for GC to collect). Errors carry no
// "load <path>" prefix; LoadArchive/SaveArchive add it.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/archive.hpp"
#include "berth/store/store.hpp"

namespace berth::store {

// An image found in an archive whose blobs are all in the store, ready to be committed.
struct PendingImage {
  Digest manifest;
  std::vector<std::string> names;  // normalised references
};

Result<std::vector<PendingImage>> LoadOciDir(Store& store, const fs::path& dir);
Result<std::vector<PendingImage>> LoadOciArchive(Store& store, const fs::path& file);
Result<std::vector<PendingImage>> LoadDockerArchive(Store& store, const fs::path& file);

// oci-dir when `as_tar` is false, oci-archive otherwise.
Result<void> SaveOciLayout(const Store& store, const std::vector<SaveItem>& items,
                           const fs::path& path, bool as_tar);
Result<void> SaveDockerArchive(const Store& store, const std::vector<SaveItem>& items,
                               const fs::path& path);

}  // namespace berth::store
