// TokenCache: registry bearer tokens kept on disk so that the next berth process can use them.
//
// A re-pull needs one manifest request; without this cache each process would first ping
// /v2/ for the auth challenge and fetch a token from the token server (a second TLS
// connection). An entry holds one token for one (endpoint host, scope, credentials), its
// absolute expiry, and the Bearer challenge (realm, service) it came from, so a process can
// send its first request straight away with it. Credentials enter the key only as a sha256
// of "username:password": a token is never offered to a caller with other credentials (or
// none). Entries record the registry name and host so `logout` can remove them.
//
// Layout: `<dir>/<sha256 of the key>.json`, the directory mode 0700 and each file 0600,
// replaced by rename (no fsync: losing an entry costs one token fetch). The cache belongs to
// the store: TokenCacheDir(root) is `<root>/cache/tokens`. Entries not touched for a day are
// pruned when a token is stored.
//
// It is a cache: every failure (missing, unreadable, corrupt or unwritable files, a full
// disk) is a miss, never an error. A default-constructed TokenCache (no directory) caches
// nothing. Value type; any number of objects and processes may use one directory at once
// (a reader sees a whole entry or none).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "berth/base/result.hpp"

namespace berth::puller {

namespace fs = std::filesystem;

// `<store_root>/cache/tokens`.
fs::path TokenCacheDir(const fs::path& store_root);

// What identifies a cached token.
struct TokenKey {
  std::string registry;  // the registry's name (what logout is given): "docker.io"
  std::string host;      // the API host the token is sent to: "registry-1.docker.io"
  std::string scope;     // "repository:library/alpine:pull"
  std::string creds_id;  // sha256 (hex) of "username:password"; "" when anonymous
};

struct CachedToken {
  std::string token;
  int64_t expiry = 0;  // seconds since the epoch; unusable from then on
  std::string realm;   // of the Bearer challenge the token came from
  std::string service;
};

class TokenCache {
 public:
  TokenCache() = default;  // caches nothing
  explicit TokenCache(fs::path dir);

  bool enabled() const { return !dir_.empty(); }

  // The entry for `key` when it exists, parses, matches the key and `now` is before its
  // expiry; nullopt otherwise (an expired or malformed entry is removed).
  std::optional<CachedToken> Load(const TokenKey& key, int64_t now) const;
  // Stores (replaces) the entry for `key`, creating the directory; failures are ignored.
  void Store(const TokenKey& key, const CachedToken& token) const;
  // Removes the entry for `key` if there is one.
  void Erase(const TokenKey& key) const;

 private:
  fs::path PathFor(const TokenKey& key) const;
  void PruneStale() const;
  fs::path dir_;
};

// Removes the cached tokens of `registry` (entries whose registry name or API host is
// `registry`) from `dir`. Success when `dir` does not exist; unreadable entries are skipped.
// Fails (the errno's code, naming the file) only when an entry of that registry cannot be
// removed or `dir` cannot be listed.
Result<void> ClearTokenCache(const fs::path& dir, const std::string& registry);
// Removes every cached token in `dir`; success when it does not exist.
Result<void> ClearAllTokenCache(const fs::path& dir);

}  // namespace berth::puller
