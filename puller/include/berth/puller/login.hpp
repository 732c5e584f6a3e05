// Registry login and logout, as podman's: check credentials against the registry, then keep
// them in a credential file (podman's auth.json format, auth.hpp), or remove them (and the
// registry's cached tokens, token_cache.hpp).
//
// A registry is named as the user typed it, normalised: "https://quay.io/" -> "quay.io",
// "index.docker.io" -> "docker.io". That name keys the credential file. The registry is
// spoken to where registries.json says it is (its "location", else its own API host;
// registry-1.docker.io for docker.io), with its TLS settings (--tls-verify, --cert-dir,
// certs.d). Credentials never appear in errors. Functions are thread-compatible; they write
// only the credential file and the token cache.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "berth/base/result.hpp"
#include "berth/puller/auth.hpp"
#include "berth/puller/pull.hpp"

namespace berth::puller {

namespace fs = std::filesystem;

// The registry name credentials are kept under. kInvalidArgument for an empty name or a
// repository path ("quay.io/foo": berth keeps credentials per registry only).
Result<std::string> NormalizeRegistryName(std::string_view text);

// The credential files `access` means: its authfile alone when set, else the environment's
// (unless access.use_environment is false).
AuthFiles AuthFilesFor(const RegistryAccess& access);

// Checks `creds` against `registry` (a normalised name) without saving them: the ping, then
// a token for them (Bearer) or GET /v2/ with them (Basic). kUnauthorized with the server's
// words ("authenticate to HOST: incorrect username or password (HTTP 401)"), kNetwork
// naming the host.
Result<void> CheckLogin(const std::string& registry, const Credentials& creds,
                        const RegistryAccess& access);

struct LoginOptions {
  std::string registry;  // as typed; normalised by Login
  Credentials creds;
  RegistryAccess access;  // where and how to reach it; access.authfile is where to save
};

// Checks the credentials, then saves them (mode 0600, atomically, other entries kept).
// Returns the file written. Nothing is written when the check fails.
Result<fs::path> Login(const LoginOptions& options);

// Removes `registry`'s credentials from the file login writes, and its cached tokens from
// access.token_cache_dir (when set and readable; ClearTokenCache), saved credentials or not.
// kNotFound ("not logged into REGISTRY") when the file has no credentials for it. Returns
// the file.
Result<fs::path> Logout(const std::string& registry, const RegistryAccess& access);
// Removes every registry's credentials from that file (success when it does not exist) and
// every cached token from access.token_cache_dir (when set and readable).
Result<fs::path> LogoutAll(const RegistryAccess& access);

}  // namespace berth::puller
