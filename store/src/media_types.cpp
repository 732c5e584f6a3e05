// Media type predicates and document sniffing (declared in oci.hpp).

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "berth/base/strings.hpp"
#include "berth/store/oci.hpp"

namespace berth::store {

namespace {

// A Content-Type header may carry parameters ("...+json; charset=utf-8"); they never change
// which document it is.
std::string_view Essence(std::string_view media_type) {
  size_t semi = media_type.find(';');
  if (semi != std::string_view::npos) media_type = media_type.substr(0, semi);
  return Trim(media_type);
}

template <size_t N>
bool OneOf(std::string_view media_type, const std::array<std::string_view, N>& set) {
  std::string_view e = Essence(media_type);
  for (std::string_view s : set) {
    if (e == s) return true;
  }
  return false;
}

constexpr std::array<std::string_view, 12> kLayerTypes = {
    media::kOciLayerTar,
    media::kOciLayerGzip,
    media::kOciLayerZstd,
    // Deprecated by image-spec 1.1 but still found in registries; they may carry urls.
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    media::kDockerLayerGzip,
    media::kDockerForeignLayerGzip,
    // Not in Docker's schema2 spec, but written by containerd (its images/mediatypes.go)
    // for uncompressed and zstd layers in Docker-format images.
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.zstd",
    "application/vnd.docker.image.rootfs.foreign.diff.tar",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.zstd",
};

}  // namespace

namespace media {

bool IsIndex(std::string_view media_type) {
  return OneOf(media_type, std::array{kOciIndex, kDockerManifestList});
}

bool IsManifest(std::string_view media_type) {
  return OneOf(media_type, std::array{kOciManifest, kDockerManifest});
}

bool IsLayer(std::string_view media_type) { return OneOf(media_type, kLayerTypes); }

bool IsImageConfig(std::string_view media_type) {
  return OneOf(media_type, std::array{kOciConfig, kDockerConfig});
}

}  // namespace media

std::string DetectMediaType(std::string_view json) {
  // The non-throwing overload: invalid input is simply "unrecognised".
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "";
  auto media_type = j.find("mediaType");
  if (media_type != j.end() && media_type->is_string()) {
    return media_type->get<std::string>();
  }
  auto version = j.find("schemaVersion");
  if (version != j.end() && version->is_number_integer() && *version == 1) {
    // Signed schema1 manifests carry their JWS in "signatures".
    return std::string(j.contains("signatures") ? media::kDockerSchema1Signed
                                                : media::kDockerSchema1);
  }
  if (j.contains("manifests")) return std::string(media::kOciIndex);
  if (j.contains("layers") && j.contains("config")) return std::string(media::kOciManifest);
  if (j.contains("rootfs")) return std::string(media::kOciConfig);
  return "";
}

}  // namespace berth::store
