#include "remote_json.hpp"

namespace berth::cli {

namespace {

using Json = nlohmann::ordered_json;

template <typename Map>
Json MapOrNull(const Map& m) {
  if (m.empty()) return nullptr;
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

Json LayersData(const store::Manifest& m) {
  Json out = Json::array();
  for (const auto& l : m.layers) {
    out.push_back({{"MIMEType", l.media_type},
                   {"Digest", l.digest.String()},
                   {"Size", l.size},
                   {"Annotations", MapOrNull(l.annotations)}});
  }
  return out;
}

}  // namespace

nlohmann::ordered_json RemoteInspectJson(const puller::RemoteImage& image) {
  const store::ImageConfig& cfg = image.config;
  // docker_version is not part of the OCI config the store parses; read it from the blob.
  auto raw = nlohmann::json::parse(image.config_json, nullptr, /*allow_exceptions=*/false);
  std::string docker_version;
  if (raw.is_object() && raw.contains("docker_version") && raw["docker_version"].is_string()) {
    docker_version = raw["docker_version"].get<std::string>();
  }
  Json j;
  j["Name"] = image.name;
  j["Digest"] = image.top.digest.String();
  j["RepoTags"] = image.tags;
  j["Created"] = cfg.created.empty() ? Json(nullptr) : Json(cfg.created);
  j["DockerVersion"] = docker_version;
  j["Labels"] = MapOrNull(cfg.config.labels);
  j["Architecture"] = cfg.architecture;
  if (!cfg.variant.empty()) j["Variant"] = cfg.variant;
  j["Os"] = cfg.os;
  Json layers = Json::array();
  for (const auto& l : image.parsed.layers) layers.push_back(l.digest.String());
  j["Layers"] = layers;
  j["LayersData"] = LayersData(image.parsed);
  j["Env"] = cfg.config.env.empty() ? Json(nullptr) : Json(cfg.config.env);
  return j;
}

std::string IndentJson(const std::string& json) {
  auto j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return json;
  return j.dump(4, ' ', false, Json::error_handler_t::replace);
}

}  // namespace berth::cli
