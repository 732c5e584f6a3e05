// Login and logout (see login.hpp).
#include "berth/puller/login.hpp"

#include "berth/puller/token_cache.hpp"
#include "endpoints.hpp"

namespace berth::puller {

namespace {

// A store this user cannot read (another user's, such as /var/lib/berth for a user who
// never uses it) holds none of the tokens of this user's credentials.
Result<void> SkipDenied(Result<void> r) {
  if (!r && r.error().code == ErrorCode::kPermissionDenied) return Ok();
  return r;
}

}  // namespace

Result<std::string> NormalizeRegistryName(std::string_view text) {
  std::string name(text);
  bool url = false;
  for (std::string_view scheme : {"https://", "http://"}) {
    if (name.rfind(scheme, 0) == 0) {
      name = name.substr(scheme.size());
      url = true;
    }
  }
  // A URL may carry a path ("https://index.docker.io/v1/", Docker's key for Docker Hub).
  if (url) name = name.substr(0, name.find('/'));
  while (!name.empty() && name.back() == '/') name.pop_back();
  if (name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "empty registry name");
  }
  if (name.find('/') != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + name + "' is a repository; give a registry (host[:port])");
  }
  if (name == "index.docker.io" || name == "registry-1.docker.io") name = "docker.io";
  return name;
}

AuthFiles AuthFilesFor(const RegistryAccess& access) {
  AuthFiles files;
  if (access.use_environment) files = AuthFiles::FromEnvironment();
  files.authfile = access.authfile;
  return files;
}

Result<void> CheckLogin(const std::string& registry, const Credentials& creds,
                        const RegistryAccess& access) {
  RegistryAccess a = access;
  a.creds = creds.username + ":" + creds.password;
  BERTH_ASSIGN_OR_RETURN(auto client, MakeRegistryClient(registry, a));
  return client->CheckCredentials();
}

Result<fs::path> Login(const LoginOptions& options) {
  BERTH_ASSIGN_OR_RETURN(std::string registry, NormalizeRegistryName(options.registry));
  if (options.creds.username.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "username is empty");
  }
  if (options.creds.password.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "password is empty");
  }
  BERTH_TRY(CheckLogin(registry, options.creds, options.access));
  fs::path path = AuthFilesFor(options.access).WritePath();
  BERTH_TRY(SaveCredentials(path, registry, options.creds));
  return path;
}

Result<fs::path> Logout(const std::string& registry, const RegistryAccess& access) {
  BERTH_ASSIGN_OR_RETURN(std::string name, NormalizeRegistryName(registry));
  fs::path path = AuthFilesFor(access).WritePath();
  auto removed = RemoveCredentials(path, name);
  // Tokens go even when no credentials were saved (those of --creds, anonymous ones).
  if (!access.token_cache_dir.empty()) {
    BERTH_TRY(SkipDenied(ClearTokenCache(access.token_cache_dir, name)));
  }
  if (!removed) return std::move(removed).error();
  return path;
}

Result<fs::path> LogoutAll(const RegistryAccess& access) {
  fs::path path = AuthFilesFor(access).WritePath();
  BERTH_TRY(RemoveAllCredentials(path));
  if (!access.token_cache_dir.empty()) {
    BERTH_TRY(SkipDenied(ClearAllTokenCache(access.token_cache_dir)));
  }
  return path;
}

}  // namespace berth::puller
