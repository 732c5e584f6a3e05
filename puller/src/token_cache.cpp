// The on-disk token cache (see token_cache.hpp).
#include "berth/puller/token_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <nlohmann/json.hpp>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/digest.hpp"

namespace berth::puller {

namespace {

constexpr uint64_t kMaxEntryBytes = 64 << 10;  // Docker Hub's JWTs are a few KiB
constexpr int64_t kStaleSeconds = 24 * 60 * 60;
constexpr std::string_view kSuffix = ".json";

struct Entry {
  TokenKey key;  // creds_id stays empty: only its hash (the file name) is kept
  CachedToken token;
};

std::optional<Entry> ParseEntry(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    Entry e;
    e.key.registry = j.at("registry").get<std::string>();
    e.key.host = j.at("host").get<std::string>();
    e.key.scope = j.at("scope").get<std::string>();
    e.token.token = j.at("token").get<std::string>();
    e.token.expiry = j.at("expiry").get<int64_t>();
    e.token.realm = j.at("realm").get<std::string>();
    e.token.service = j.at("service").get<std::string>();
    if (e.token.token.empty() || e.token.realm.empty()) return std::nullopt;
    return e;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<Entry> ReadEntry(const fs::path& path) {
  auto text = ReadFile(path, kMaxEntryBytes);
  if (!text) return std::nullopt;
  return ParseEntry(*text);
}

// Writes `data` to a sibling temp file (mode 0600) and renames it over `path`. No fsync: a
// lost or empty entry after a crash is a miss (a corrupt one parses as nothing).
bool ReplaceFile(const fs::path& path, const std::string& data) {
  static std::atomic<unsigned> counter{0};
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  auto fd = Open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (!fd) return false;
  std::string_view rest = data;
  while (!rest.empty()) {
    ssize_t n = ::write(fd->get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::unlink(tmp.c_str());
      return false;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  fd->Reset();
  if (::rename(tmp.c_str(), path.c_str()) == 0) return true;
  ::unlink(tmp.c_str());
  return false;
}

// mkdir DIR (and its parent) with mode 0700; an existing directory is fine.
bool MakePrivateDir(const fs::path& dir) {
  for (const fs::path& d : {dir.parent_path(), dir}) {
    if (d.empty()) continue;
    if (::mkdir(d.c_str(), 0700) < 0 && errno != EEXIST) return false;
  }
  return true;
}

bool IsEntryName(const std::string& name) {
  return name.size() > kSuffix.size() && name.ends_with(kSuffix);
}

}  // namespace

fs::path TokenCacheDir(const fs::path& store_root) { return store_root / "cache" / "tokens"; }

TokenCache::TokenCache(fs::path dir) : dir_(std::move(dir)) {}

fs::path TokenCache::PathFor(const TokenKey& key) const {
  // A JSON array keeps the fields apart whatever characters they hold.
  std::string id = nlohmann::json::array({key.registry, key.host, key.scope, key.creds_id}).dump();
  return dir_ / (store::Digest::Of(id).hex() + std::string(kSuffix));
}

std::optional<CachedToken> TokenCache::Load(const TokenKey& key, int64_t now) const {
  if (!enabled()) return std::nullopt;
  fs::path path = PathFor(key);
  auto text = ReadFile(path, kMaxEntryBytes);
  if (!text) return std::nullopt;
  auto e = ParseEntry(*text);
  bool usable = e && e->key.registry == key.registry && e->key.host == key.host &&
                e->key.scope == key.scope && now < e->token.expiry;
  if (!usable) {
    ::unlink(path.c_str());
    return std::nullopt;
  }
  return e->token;
}

void TokenCache::Store(const TokenKey& key, const CachedToken& token) const {
  if (!enabled() || !MakePrivateDir(dir_)) return;
  nlohmann::json j = {{"registry", key.registry}, {"host", key.host},
                      {"scope", key.scope},       {"realm", token.realm},
                      {"service", token.service}, {"token", token.token},
                      {"expiry", token.expiry}};
  (void)ReplaceFile(PathFor(key), j.dump());
  PruneStale();
}

void TokenCache::Erase(const TokenKey& key) const {
  if (enabled()) ::unlink(PathFor(key).c_str());
}

void TokenCache::PruneStale() const {
  auto names = ListDir(dir_);
  if (!names) return;
  int64_t cutoff = static_cast<int64_t>(std::time(nullptr)) - kStaleSeconds;
  for (const auto& name : *names) {
    struct stat st;
    fs::path p = dir_ / name;
    if (::lstat(p.c_str(), &st) == 0 && st.st_mtime < cutoff) ::unlink(p.c_str());
  }
}

Result<void> ClearTokenCache(const fs::path& dir, const std::string& registry) {
  auto names = ListDir(dir);
  if (!names) {
    if (names.error().code == ErrorCode::kNotFound) return Ok();
    return std::move(names).error().Context("clear cached tokens of " + registry);
  }
  for (const auto& name : *names) {
    if (!IsEntryName(name)) continue;
    fs::path p = dir / name;
    auto e = ReadEntry(p);
    if (!e || (e->key.registry != registry && e->key.host != registry)) continue;
    if (::unlink(p.c_str()) < 0 && errno != ENOENT) {
      return SysError("remove cached token " + Quote(p.string()), errno);
    }
  }
  return Ok();
}

Result<void> ClearAllTokenCache(const fs::path& dir) {
  auto r = RemoveTree(dir);
  if (!r) return std::move(r).error().Context("clear cached tokens");
  return Ok();
}

}  // namespace berth::puller
