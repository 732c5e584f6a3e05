// registries.json parsing and loading (see registry_config.hpp).
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "berth/base/fs.hpp"
#include "berth/puller/registry_config.hpp"

namespace berth::puller {

RegistryConfig RegistriesConfig::For(const std::string& registry) const {
  auto it = registries.find(registry);
  return it == registries.end() ? RegistryConfig{} : it->second;
}

namespace {

Error BadField(const std::string& field, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, "field '" + field + "': " + why);
}

Result<RegistryConfig> ParseEntry(const nlohmann::json& j, const std::string& name) {
  std::string base = "registries." + name;
  if (!j.is_object()) return BadField(base, "not an object");
  RegistryConfig rc;
  if (j.contains("mirrors")) {
    const auto& m = j["mirrors"];
    if (!m.is_array()) return BadField(base + ".mirrors", "not an array");
    for (const auto& v : m) {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return BadField(base + ".mirrors", "entries must be non-empty strings");
      }
      rc.mirrors.push_back(v.get<std::string>());
    }
  }
  if (j.contains("location")) {
    if (!j["location"].is_string() || j["location"].get<std::string>().empty()) {
      return BadField(base + ".location", "not a non-empty string");
    }
    rc.location = j["location"].get<std::string>();
  }
  if (j.contains("insecure")) {
    if (!j["insecure"].is_boolean()) return BadField(base + ".insecure", "not a boolean");
    rc.insecure = j["insecure"].get<bool>();
  }
  return rc;
}

}  // namespace

Result<RegistriesConfig> ParseRegistriesConfig(std::string_view json) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("malformed JSON: ") + e.what());
  }
  RegistriesConfig cfg;
  if (!j.is_object()) return BadField("(top level)", "not an object");
  if (!j.contains("registries")) return cfg;
  if (!j["registries"].is_object()) return BadField("registries", "not an object");
  for (const auto& [name, entry] : j["registries"].items()) {
    BERTH_ASSIGN_OR_RETURN(cfg.registries[name], ParseEntry(entry, name));
  }
  return cfg;
}

RegistriesConfigPaths RegistriesConfigPaths::FromEnvironment() {
  RegistriesConfigPaths p;
  p.defaults.push_back("/etc/berth/registries.json");
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x != '\0') {
    p.defaults.push_back(fs::path(x) / "berth" / "registries.json");
  } else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    p.defaults.push_back(fs::path(h) / ".config" / "berth" / "registries.json");
  }
  return p;
}

Result<RegistriesConfig> LoadRegistriesConfig(const RegistriesConfigPaths& paths) {
  std::vector<fs::path> files;
  if (!paths.explicit_path.empty()) {
    files.push_back(paths.explicit_path);
  } else {
    files = paths.defaults;
  }
  RegistriesConfig merged;
  for (const auto& f : files) {
    auto text = ReadFile(f, 1 << 20);
    if (!text) {
      if (text.error().code == ErrorCode::kNotFound && paths.explicit_path.empty()) continue;
      return std::move(text).error().Context("load registries config");
    }
    auto cfg = ParseRegistriesConfig(*text);
    if (!cfg) return std::move(cfg).error().Context("load registries config " + f.string());
    for (auto& [name, rc] : cfg->registries) merged.registries[name] = std::move(rc);
  }
  return merged;
}

}  // namespace berth::puller
