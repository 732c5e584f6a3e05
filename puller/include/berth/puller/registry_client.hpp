// RegistryClient: the OCI distribution API of one registry endpoint, with auth and retries.
//
// Every request carries the Authorization that TokenAuth gives for its scope. The client
// follows redirects itself and drops Authorization when the host changes (Docker Hub's blob
// CDN rejects it). Connection errors, 5xx and 429 are retried with exponential backoff,
// honouring Retry-After (seconds or an HTTP date), within RetryPolicy's bounds; the final
// error names what the registry answered last. A 401 on a request that carried a token
// refetches the token once. With a token cache directory, bearer tokens outlive the process:
// a request whose scope has an unexpired cached token is sent with it at once, with no ping
// and no token fetch (a re-pull is one request); a 401 drops that token and takes the normal
// path (the 401's challenge, or a ping, then a fresh token and one retry). Manifests are
// verified: at most 4 MiB, schema1 refused, sha256 of the body checked when the expected
// digest is known. Thread-safe: one client serves all of a pull's workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"
#include "berth/puller/auth.hpp"
#include "berth/puller/http_transport.hpp"
#include "berth/store/digest.hpp"

namespace berth::puller {

struct RetryPolicy {
  int max_attempts = 5;
  int64_t initial_backoff_ms = 200;  // doubled per attempt
  int64_t max_total_ms = 25000;      // total sleep budget
  std::function<void(int64_t ms)> sleep;  // default: really sleep; tests record instead
};

struct RegistryEndpoint {
  std::string registry;     // what the user named ("docker.io"): credentials, messages
  std::string host;         // API host: "registry-1.docker.io", a mirror "127.0.0.1:5000"
  bool plain_http = false;  // spoken to over http://
  // An insecure registry: HTTPS without certificate checks first, and plain HTTP if that
  // fails (podman's behaviour); the first successful ping decides for the whole client.
  bool http_fallback = false;
  TlsOptions tls;
};

struct RegistryClientOptions {
  std::shared_ptr<HttpTransport> transport;  // required
  RegistryEndpoint endpoint;
  std::optional<Credentials> creds;
  RetryPolicy retry;
  Clock clock;  // default: time(nullptr)
  // Where bearer tokens are kept across processes (TokenCache); empty: in memory only.
  std::filesystem::path token_cache_dir;
};

struct FetchedManifest {
  std::string bytes;       // exactly as served
  std::string media_type;  // Content-Type without parameters, or detected from the body
  store::Digest digest;    // sha256 of bytes
};

// A blob download destination that can start over when a server ignores Range.
class ResumableSink : public Writer {
 public:
  // Discards everything written so far.
  virtual Result<void> Restart() = 0;
};

class RegistryClient {
 public:
  explicit RegistryClient(RegistryClientOptions options);

  const RegistryEndpoint& endpoint() const { return options_.endpoint; }

  // GET /v2/: records the auth challenge. kNetwork when unreachable; kUnauthorized never
  // (401 is the expected answer of a registry with auth). Idempotent; done lazily by the
  // other calls.
  Result<void> Ping();

  // GET a manifest or index by tag or digest with the full Accept set. When `expected` is set
  // (or `ref` is a digest) the body's sha256 must equal it: kDigestMismatch naming both.
  // kNotFound with the registry's message ("manifest unknown"); kUnsupported for schema1;
  // kInvalidArgument over 4 MiB.
  Result<FetchedManifest> GetManifest(const std::string& repo, const std::string& ref,
                                      const std::optional<store::Digest>& expected = {});

  // HEAD a manifest: its Docker-Content-Digest. kNotFound when absent.
  Result<store::Digest> HeadManifest(const std::string& repo, const std::string& ref);

  // Streams blob `digest` into `sink`, from byte `offset` on (the sink already holds the
  // bytes before it). A connection that breaks mid-body is resumed with `Range: bytes=N-`; a
  // 200 answer to a Range request restarts the sink. The sink (not this call) checks the
  // digest. kNotFound when the registry lacks the blob.
  Result<void> GetBlob(const std::string& repo, const store::Digest& digest, ResumableSink& sink,
                       uint64_t offset = 0);

  // HEAD a blob: true when present (200), false on 404.
  Result<bool> HasBlob(const std::string& repo, const store::Digest& digest);

  // Cross-repository mount from `from_repo`; true when mounted (201). A 202 (the registry
  // opened an upload instead) is cancelled and gives false.
  Result<bool> MountBlob(const std::string& repo, const store::Digest& digest,
                         const std::string& from_repo);

  // A fresh reader of a blob's bytes from `offset` to its end (one per attempt).
  using BlobOpener = std::function<Result<std::unique_ptr<Reader>>(uint64_t offset)>;

  // Uploads a blob: POST an upload session, then PUT the whole body with ?digest=; a blob
  // larger than `chunk_size` (> 0) goes in PATCH chunks of that size (`Content-Range`, each
  // to the Location the last answer gave), closed by a PUT ?digest= with an empty body.
  Result<void> UploadBlob(const std::string& repo, const store::Digest& digest, int64_t size,
                          const BlobOpener& open, int64_t chunk_size = 0);

  // PUT a manifest under `ref` (tag or digest) with its exact bytes and media type; returns
  // the digest of the bytes.
  Result<store::Digest> PutManifest(const std::string& repo, const std::string& ref,
                                    const std::string& bytes, const std::string& media_type);

  // GET /v2/<repo>/tags/list (following Link pagination).
  Result<std::vector<std::string>> ListTags(const std::string& repo);

  // Scope used for a push (pull+push on repo, pull on mount sources). Set before pushing.
  void SetPushScope(const std::string& repo, const std::vector<std::string>& mount_from);

  // What `login` checks: ping, then GET /v2/ with the credentials (Basic) or with a token the
  // token server gave for them (Bearer, no scope). kUnauthorized with the server's words when
  // it refuses them ("incorrect username or password"), kNetwork when unreachable.
  Result<void> CheckCredentials();

 private:
  struct Call;
  std::string BaseUrl() const;
  std::string ScopeFor(const std::string& repo) const;
  // A GET or HEAD of repo's manifest `ref` with the full Accept set.
  Result<HttpRequest> ManifestRequest(const std::string& method, const std::string& repo,
                                      const std::string& ref) const;
  // Records a ping's answer (the auth challenge of a 401).
  Result<void> Pinged(const HttpResponse& ping);
  bool WasPinged();
  // Pings unless a request for `scope` can go out with a cached token right away.
  Result<void> PingUnlessCached(const std::string& scope);
  std::string AbsoluteUrl(const std::string& location) const;
  Result<std::string> StartUpload(const std::string& repo);  // the session's Location
  Result<std::string> PatchChunk(const std::string& repo, const std::string& location,
                                 uint64_t start, uint64_t len, const BlobOpener& open);
  Result<HttpResponse> SendOnce(HttpRequest req, const std::string& scope, Writer* sink);
  Result<HttpResponse> SendFollowing(HttpRequest req, Writer* sink);
  Result<HttpResponse> Execute(const std::function<Result<HttpRequest>()>& build,
                               const std::string& scope, Writer* sink,
                               const std::function<bool(const Error&)>& retry_error = {});

  RegistryClientOptions options_;
  std::unique_ptr<TokenAuth> auth_;
  std::mutex mu_;
  bool pinged_ = false;
  std::atomic<bool> plain_http_{false};
  std::string push_repo_;
  std::string push_scope_;
};

}  // namespace berth::puller
