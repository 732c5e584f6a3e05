// Credential files: podman's auth.json and Docker's config.json (containers-auth.json(5)).
//
// Both files share the shape {"auths": {"<registry>": {"auth": "base64(user:pass)"}}}.
// Docker keys Docker Hub as "https://index.docker.io/v1/", and older files key registries
// by URL ("https://myreg:5000"), so lookups accept those forms too.
#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base64.hpp"
#include "berth/base/fs.hpp"
#include "berth/puller/auth.hpp"

namespace berth::puller {

namespace {

std::vector<std::string> KeysFor(const std::string& registry) {
  std::vector<std::string> keys = {registry, "https://" + registry, "http://" + registry};
  if (registry == "docker.io") {
    keys.push_back("https://index.docker.io/v1/");
    keys.push_back("index.docker.io");
    keys.push_back("registry-1.docker.io");
  }
  return keys;
}

// Reads `path` as JSON; nullopt when the file does not exist.
Result<std::optional<nlohmann::json>> ReadJsonFile(const fs::path& path) {
  auto text = ReadFile(path, 1 << 20);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return std::optional<nlohmann::json>();
    return std::move(text).error();
  }
  try {
    return std::optional<nlohmann::json>(nlohmann::json::parse(*text));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "parse " + path.string() + ": malformed JSON: " + e.what());
  }
}

Result<std::optional<Credentials>> FromEntry(const nlohmann::json& entry, const fs::path& path,
                                             const std::string& key) {
  std::string field = "auths." + key + ".auth";
  if (!entry.is_object() || !entry.contains("auth")) return std::optional<Credentials>();
  if (!entry["auth"].is_string()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "parse " + path.string() + ": " + field + " is not a string");
  }
  auto decoded = Base64Decode(entry["auth"].get<std::string>());
  if (!decoded) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "parse " + path.string() + ": " + field + " is not base64");
  }
  auto creds = ParseCreds(*decoded);
  if (!creds) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "parse " + path.string() + ": " + field + " is not base64(user:password)");
  }
  return std::optional<Credentials>(*creds);
}

Result<std::optional<Credentials>> LookupIn(const fs::path& path, const std::string& registry) {
  BERTH_ASSIGN_OR_RETURN(auto json, ReadJsonFile(path));
  if (!json || !json->is_object() || !json->contains("auths")) {
    return std::optional<Credentials>();
  }
  const auto& auths = (*json)["auths"];
  if (!auths.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "parse " + path.string() + ": auths is not an object");
  }
  for (const auto& key : KeysFor(registry)) {
    if (!auths.contains(key)) continue;
    BERTH_ASSIGN_OR_RETURN(auto creds, FromEntry(auths[key], path, key));
    if (creds) return creds;
  }
  return std::optional<Credentials>();
}

}  // namespace

AuthFiles AuthFiles::FromEnvironment() {
  AuthFiles f;
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x != nullptr && *x != '\0') {
    f.xdg_runtime_dir = x;
  } else {
    f.xdg_runtime_dir = "/run/user/" + std::to_string(getuid());
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') f.home = h;
  return f;
}

fs::path AuthFiles::WritePath() const {
  if (!authfile.empty()) return authfile;
  return xdg_runtime_dir / "containers" / "auth.json";
}

Result<std::optional<Credentials>> LookupCredentials(const std::string& registry,
                                                     const AuthFiles& files) {
  std::vector<fs::path> paths;
  if (!files.authfile.empty()) {
    paths.push_back(files.authfile);
  } else {
    if (!files.xdg_runtime_dir.empty()) {
      paths.push_back(files.xdg_runtime_dir / "containers" / "auth.json");
    }
    if (!files.home.empty()) {
      paths.push_back(files.home / ".config" / "containers" / "auth.json");
      paths.push_back(files.home / ".docker" / "config.json");
    }
  }
  for (const auto& p : paths) {
    auto creds = LookupIn(p, registry);
    if (!creds) return std::move(creds).error().Context("look up credentials for " + registry);
    if (*creds) return creds;
  }
  return std::optional<Credentials>();
}

namespace {

Result<void> ModifyFile(const fs::path& path,
                        const std::function<Result<void>(nlohmann::json& auths)>& change) {
  BERTH_ASSIGN_OR_RETURN(auto json, ReadJsonFile(path));
  nlohmann::json doc = json && json->is_object() ? *json : nlohmann::json::object();
  if (!doc.contains("auths") || !doc["auths"].is_object()) doc["auths"] = nlohmann::json::object();
  BERTH_TRY(change(doc["auths"]));
  if (path.has_parent_path()) {
    BERTH_TRY(MakeDirs(path.parent_path()));
    ::chmod(path.parent_path().c_str(), 0700);  // best effort, as podman does
  }
  return WriteFileAtomic(path, doc.dump(1, '\t') + "\n", 0600);
}

}  // namespace

Result<void> SaveCredentials(const fs::path& path, const std::string& registry,
                             const Credentials& creds) {
  auto r = ModifyFile(path, [&](nlohmann::json& auths) -> Result<void> {
    auths[registry] = {{"auth", Base64Encode(creds.username + ":" + creds.password)}};
    return Ok();
  });
  if (!r) return std::move(r).error().Context("save credentials for " + registry);
  return Ok();
}

Result<void> RemoveCredentials(const fs::path& path, const std::string& registry) {
  auto r = ModifyFile(path, [&](nlohmann::json& auths) -> Result<void> {
    bool found = false;
    for (const auto& key : KeysFor(registry)) found = auths.erase(key) > 0 || found;
    if (!found) {
      return MakeError(ErrorCode::kNotFound, "not logged into " + registry);
    }
    return Ok();
  });
  if (!r) return std::move(r).error().Context("remove credentials from " + path.string());
  return Ok();
}

Result<void> RemoveAllCredentials(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Ok();
  auto r = ModifyFile(path, [](nlohmann::json& auths) -> Result<void> {
    auths = nlohmann::json::object();
    return Ok();
  });
  if (!r) return std::move(r).error().Context("remove credentials from " + path.string());
  return Ok();
}

}  // namespace berth::puller
