// OCI and Docker image metadata: descriptors, manifests, indexes and image configs.
//
// Parsing is strict about what berth relies on (a wrong type or a missing required field is
// kInvalidArgument naming the field) and ignores unknown fields. Docker schema2 manifests and
// manifest lists parse into the same Manifest and Index types as their OCI counterparts, with
// `media_type` telling them apart; schema1 is refused with kUnsupported. Serialisation
// (`ToJson`) is canonical: sorted keys, no insignificant white space, so berth's own
// manifests and configs hash the same every time. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/digest.hpp"

namespace berth::store {

namespace media {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kOciEmpty = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerForeignLayerGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

bool IsIndex(std::string_view media_type);     // OCI index or Docker manifest list
bool IsManifest(std::string_view media_type);  // OCI manifest or Docker schema2
bool IsLayer(std::string_view media_type);     // any tar layer type, OCI or Docker
bool IsImageConfig(std::string_view media_type);
}  // namespace media

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;
  std::vector<std::string> os_features;
  // "linux/arm64/v8" (variant only when present).
  std::string String() const;
  bool operator==(const Platform&) const = default;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
  std::string artifact_type;
  bool operator==(const Descriptor&) const = default;
};

struct Manifest {
  int schema_version = 2;
  std::string media_type;  // as declared in the JSON; empty if absent (older OCI)
  std::string artifact_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;
};

struct Index {
  int schema_version = 2;
  std::string media_type;
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
};

// The runtime part of an image config (`config` in the JSON).
struct ContainerConfig {
  std::string user;
  std::vector<std::string> exposed_ports;  // "80/tcp", sorted
  std::vector<std::string> env;
  std::optional<std::vector<std::string>> entrypoint;  // nullopt: null/absent
  std::optional<std::vector<std::string>> cmd;
  std::vector<std::string> volumes;  // sorted
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  // Docker-only fields, kept so that a Docker-format image round-trips.
  std::optional<std::vector<std::string>> shell;
  std::vector<std::string> on_build;
  std::string healthcheck_json;  // the raw JSON object, or empty
};

struct HistoryEntry {
  std::string created;  // RFC 3339 as written
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

struct ImageConfig {
  std::string created;  // RFC 3339 as written, may be empty
  std::string author;
  std::string architecture;
  std::string os;
  std::string variant;
  std::string os_version;
  ContainerConfig config;
  std::vector<DiffId> diff_ids;  // rootfs.diff_ids, bottom layer first
  std::vector<HistoryEntry> history;
};

// Which kind of document `json` is: its mediaType field if present, otherwise guessed from
// its shape (manifests / layers / rootfs). Returns empty for unrecognised input.
std::string DetectMediaType(std::string_view json);

Result<Manifest> ParseManifest(std::string_view json);
Result<Index> ParseIndex(std::string_view json);
Result<ImageConfig> ParseImageConfig(std::string_view json);

std::string ToJson(const Manifest& m);
std::string ToJson(const Index& i);
std::string ToJson(const ImageConfig& c);
std::string ToJson(const Descriptor& d);

}  // namespace berth::store
