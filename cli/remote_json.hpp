// How remote images are shown: `berth inspect --remote` prints what `skopeo inspect` prints
// (same keys, order and shapes), and manifests print as served or indented.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "berth/puller/pull.hpp"

namespace berth::cli {

// skopeo inspect's object: Name, Digest (of what the reference names: the index of a
// multi-arch tag), RepoTags, Created, DockerVersion, Labels, Architecture, Variant (when
// set), Os, Layers, LayersData, Env. Absent labels, env and created are null, as skopeo's.
nlohmann::ordered_json RemoteInspectJson(const puller::RemoteImage& image);

// `json` re-indented with 4 spaces, keys in their original order; `json` itself when it
// does not parse.
std::string IndentJson(const std::string& json);

}  // namespace berth::cli
