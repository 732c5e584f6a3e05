// Image archives: import and export of OCI image layouts and Docker archives.
//
// Formats: an OCI image layout directory (`oci-layout`, `index.json`, `blobs/`), the same as
// a tar (oci-archive), and docker-archive (what `docker save` writes: `manifest.json`,
// `<config>.json`, uncompressed layer tars). Load detects which one it is given, verifies
// every blob against its digest as it is copied in, and commits the images through the
// store. Save writes a layout that `oci-image-tool validate`, skopeo and umoci accept.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/store.hpp"

namespace berth::store {

enum class ArchiveFormat { kOciDir, kOciArchive, kDockerArchive };

// "oci-dir", "oci-archive", "docker-archive".
std::string_view ArchiveFormatName(ArchiveFormat f);
Result<ArchiveFormat> ParseArchiveFormat(std::string_view name);
// From the file system: a directory with `oci-layout` is oci-dir; a tar (optionally
// gzip/zstd-compressed) with `oci-layout` is oci-archive, with `manifest.json` docker-archive.
Result<ArchiveFormat> DetectArchiveFormat(const fs::path& path);

struct LoadedImage {
  ImageRecord record;
  std::vector<std::string> names;  // the names it was loaded under (may be empty)
};

// Loads every image in the archive at `path` into `store`. Names come from the
// `org.opencontainers.image.ref.name` annotation (oci) or RepoTags (docker-archive).
// A ref.name that is a bare tag ("latest") names no repository: that image loads without a
// name; `io.containerd.image.name` (docker 25+) is preferred when present. An index that
// lists several platforms yields the linux manifest for the host architecture; attestations
// are skipped. Every blob is verified before any image is recorded: kDigestMismatch for a
// corrupt blob, kNotFound for a missing one or a missing path, kInvalidArgument for malformed
// input, kUnsupported for another layout version. Idempotent. Needs the privileges that
// unpacking layers needs (layer_unpack.hpp).
Result<std::vector<LoadedImage>> LoadArchive(Store& store, const fs::path& path);

struct SaveItem {
  ImageView image;
  std::string name;  // normalised reference to record in the archive, or empty
};

// Writes `items` to `path` in `format`. oci-dir creates the directory (which must not exist
// or be empty); the archives are written to a temporary file and renamed into place.
// docker-archive carries uncompressed layers, as docker save does.
Result<void> SaveArchive(const Store& store, const std::vector<SaveItem>& items,
                         const fs::path& path, ArchiveFormat format);

}  // namespace berth::store
