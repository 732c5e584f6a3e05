#include "image_json.hpp"

#include "berth/base/strings.hpp"

namespace berth::cli {

void SplitName(const std::string& name, std::string* repository, std::string* tag) {
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    *repository = name.substr(0, colon);
    *tag = name.substr(colon + 1);
  } else {
    *repository = name;
    *tag = "";
  }
}

nlohmann::json ContainerConfigJson(const store::ContainerConfig& c) {
  nlohmann::json j = nlohmann::json::object();
  if (!c.user.empty()) j["User"] = c.user;
  if (!c.exposed_ports.empty()) {
    nlohmann::json ports = nlohmann::json::object();
    for (const auto& p : c.exposed_ports) ports[p] = nlohmann::json::object();
    j["ExposedPorts"] = ports;
  }
  if (!c.env.empty()) j["Env"] = c.env;
  if (c.entrypoint) j["Entrypoint"] = *c.entrypoint;
  if (c.cmd) j["Cmd"] = *c.cmd;
  if (!c.volumes.empty()) {
    nlohmann::json vols = nlohmann::json::object();
    for (const auto& v : c.volumes) vols[v] = nlohmann::json::object();
    j["Volumes"] = vols;
  }
  if (!c.working_dir.empty()) j["WorkingDir"] = c.working_dir;
  if (!c.labels.empty()) j["Labels"] = c.labels;
  if (!c.stop_signal.empty()) j["StopSignal"] = c.stop_signal;
  if (c.shell) j["Shell"] = *c.shell;
  if (!c.on_build.empty()) j["OnBuild"] = c.on_build;
  return j;
}

nlohmann::json ImageInspectJson(const store::Store& store, const store::ImageView& image) {
  const auto& rec = image.record;
  const auto& cfg = image.config;
  nlohmann::json j;
  j["Id"] = rec.config.hex();
  j["Digest"] = rec.manifest.String();
  j["RepoTags"] = rec.names;
  j["RepoDigests"] = rec.digests;
  j["Parent"] = "";
  j["Comment"] = "";
  j["Created"] = cfg.created;
  j["Config"] = ContainerConfigJson(cfg.config);
  j["Version"] = "";
  j["Author"] = cfg.author;
  j["Architecture"] = cfg.architecture;
  j["Os"] = cfg.os;
  if (!cfg.variant.empty()) j["Variant"] = cfg.variant;
  j["Size"] = rec.size;
  j["VirtualSize"] = rec.size;
  std::vector<std::string> lower;
  for (auto it = cfg.diff_ids.rbegin(); it != cfg.diff_ids.rend(); ++it) {
    lower.push_back(store.layers().DiffDir(*it).string());
  }
  nlohmann::json gd;
  gd["Name"] = "overlay";
  gd["Data"]["LowerDir"] = Join(lower, ":");
  j["GraphDriver"] = gd;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& d : cfg.diff_ids) layers.push_back(d.String());
  j["RootFS"] = {{"Type", "layers"}, {"Layers", layers}};
  j["Labels"] = cfg.config.labels;
  j["Annotations"] = image.manifest.annotations;
  j["ManifestType"] = image.manifest.media_type.empty() ? std::string(store::media::kOciManifest)
                                                        : image.manifest.media_type;
  j["User"] = cfg.config.user;
  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : cfg.history) {
    nlohmann::json e;
    if (!h.created.empty()) e["created"] = h.created;
    if (!h.created_by.empty()) e["created_by"] = h.created_by;
    if (!h.author.empty()) e["author"] = h.author;
    if (!h.comment.empty()) e["comment"] = h.comment;
    if (h.empty_layer) e["empty_layer"] = true;
    history.push_back(e);
  }
  j["History"] = history;
  j["NamesHistory"] = rec.names;
  return j;
}

}  // namespace berth::cli
