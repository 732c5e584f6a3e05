// Registry authentication: challenges, credentials, credential files and bearer tokens.
//
// A registry says how to authenticate in `WWW-Authenticate` (RFC 7235 / RFC 6750): `Bearer`
// with realm, service and scope (a token server hands out short-lived tokens), or `Basic`
// (send the credentials on every request). Credentials come from --creds, an explicit
// --authfile, podman's `${XDG_RUNTIME_DIR}/containers/auth.json` or `~/.docker/config.json`;
// Docker Hub's are also looked up under "https://index.docker.io/v1/". Credentials never
// appear in error messages. `TokenAuth` caches tokens per scope in memory and, when given a
// TokenCache, on disk for the next process; it is thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/puller/http_transport.hpp"
#include "berth/puller/token_cache.hpp"

namespace berth::puller {

namespace fs = std::filesystem;

struct Challenge {
  std::string scheme;                         // lower-case: "bearer", "basic"
  std::map<std::string, std::string> params;  // lower-case keys: realm, service, scope, error
  std::string Param(const std::string& key) const;
  bool operator==(const Challenge&) const = default;
};

// Parses a WWW-Authenticate value with one or more challenges; quoted values may contain
// commas and escaped quotes. kInvalidArgument naming the problem for malformed input.
Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view header);

struct Credentials {
  std::string username;
  std::string password;
  bool operator==(const Credentials&) const = default;
};

// "USER:PASS" (the password may contain ':'); kInvalidArgument without a ':'.
Result<Credentials> ParseCreds(std::string_view text);

// Where credential files live; FromEnvironment() reads $XDG_RUNTIME_DIR and $HOME.
struct AuthFiles {
  fs::path authfile;            // --authfile: when set, the only file consulted and written
  fs::path xdg_runtime_dir;     // podman's auth.json is <this>/containers/auth.json
  fs::path home;                // ~/.docker/config.json
  static AuthFiles FromEnvironment();
  // The file login/logout write: authfile, else <xdg_runtime_dir>/containers/auth.json.
  fs::path WritePath() const;
};

// Credentials for `registry` ("docker.io", "myreg:5000") from the files in order, or nullopt.
// kInvalidArgument when a file exists but is malformed (naming the file and field).
Result<std::optional<Credentials>> LookupCredentials(const std::string& registry,
                                                     const AuthFiles& files);
// Stores credentials for `registry` in `path` (podman format), keeping other entries; the file
// is replaced atomically with mode 0600 and its directory created (0700). Idempotent.
Result<void> SaveCredentials(const fs::path& path, const std::string& registry,
                             const Credentials& creds);
// Removes `registry` from `path`; kNotFound ("not logged into REGISTRY") if it had no entry.
Result<void> RemoveCredentials(const fs::path& path, const std::string& registry);
// Removes every registry's entry from `path` (other top-level keys stay); success when the
// file does not exist.
Result<void> RemoveAllCredentials(const fs::path& path);

// Seconds since the epoch; injectable so tests can move time.
using Clock = std::function<int64_t()>;

// Bearer tokens per scope set (or Basic) for one registry. Thread-safe.
class TokenAuth {
 public:
  // `cache` (may cache nothing) keeps tokens across processes, keyed by `registry`, `host`
  // (the API host; empty: `registry`), the scope and a hash of `creds`.
  TokenAuth(std::shared_ptr<HttpTransport> transport, std::string registry,
            std::optional<Credentials> creds, TlsOptions token_tls, Clock clock,
            TokenCache cache = {}, std::string host = {});
  // Records the challenges from a 401 (the ping's or a request's).
  void SetChallenges(std::vector<Challenge> challenges);
  bool HasChallenge() const;
  // True when an unexpired token for `scope` is at hand, in memory or in the disk cache
  // (whose Bearer challenge is then taken if none is known yet, and must match the known
  // one otherwise): a request may then be sent with it before any ping. Never fetches.
  bool UseCached(const std::string& scope);
  // The Authorization header value for a request needing `scope` ("repository:x:pull"), or
  // empty when the registry wants none. Fetches a token (and stores it in the disk cache)
  // when none is cached or it expired. kUnauthorized when the token server refuses
  // (401/403), kNetwork on transport failure.
  Result<std::string> Authorization(const std::string& scope);
  // Drops the cached token for `scope`, in memory and on disk, so the next Authorization()
  // fetches a fresh one.
  void Invalidate(const std::string& scope);

 private:
  struct Token {
    std::string value;
    int64_t expiry = 0;
  };
  const Challenge* BearerLocked() const;
  TokenKey KeyFor(const std::string& scope) const;
  // The disk entry for `scope` when it is unexpired and (if `bearer` is set) came from that
  // challenge; copied into tokens_.
  std::optional<CachedToken> LoadLocked(const std::string& scope, const Challenge* bearer,
                                        int64_t now);
  Result<std::string> FetchToken(const Challenge& c, const std::string& scope, int64_t* expiry);
  std::shared_ptr<HttpTransport> transport_;
  std::string registry_;
  std::optional<Credentials> creds_;
  TlsOptions token_tls_;
  Clock clock_;
  TokenCache cache_;
  std::string host_;
  std::string creds_id_;
  mutable std::mutex mu_;
  std::vector<Challenge> challenges_;
  std::map<std::string, Token> tokens_;
};

}  // namespace berth::puller
