// WriteOciLayout: writes an OCI image layout directory (oci-layout, index.json,
// blobs/sha256/...) holding one image whose layers are given as TarBuilders, so a store test
// can feed `berth load` (and umoci) an image that reads as the layers it means.
//
// Everything is written by hand from the image-spec (image-layout.md, manifest.md,
// config.md), independent of berth's own OCI code: config with rootfs.diff_ids (sha256 of
// each uncompressed tar) and one history entry per layer, an OCI manifest, and index.json
// annotated with org.opencontainers.image.ref.name. Deterministic: the same layers give the
// same digests. Not thread-safe per directory; needs no privileges.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support/tar_builder.hpp"

namespace berth::testing {

struct OciLayoutImage {
  std::vector<TarBuilder> layers;  // bottom layer first
  // The index annotation; umoci takes it as the part after the first ':' of --image.
  std::string ref_name = "latest";
  TarCompression compression = TarCompression::kGzip;
  std::string architecture = "amd64";
};

struct OciLayoutResult {
  std::string manifest_digest;  // "sha256:<hex>"
  std::string config_digest;    // the image id
  std::vector<std::string> diff_ids;
};

// Creates `dir` (and parents) if needed and writes the layout. Throws std::runtime_error on
// I/O errors or if a layer's compressed and plain builds disagree (tests want a loud stop).
OciLayoutResult WriteOciLayout(const std::filesystem::path& dir, const OciLayoutImage& image);

}  // namespace berth::testing
