// Pull, push and remote inspection of images: the puller's top-level operations.
//
// Pull resolves a reference (tag or digest; an index is narrowed to one platform), fetches
// the config and the layer blobs (max_parallel at a time), hashing each blob as it streams
// into a stage under the store's tmp/ and committing it only when size and sha256 match.
// Each layer is unpacked by the worker that downloaded it as soon as its blob is committed
// (not after all downloads). A layer already present (by diff_id) or a blob already stored is
// not fetched again. A download broken mid-body resumes with a Range request, inside the same
// pull or in the next one (even after berth was killed): the bytes stay in the store's
// partial/ file of that blob (store::PartialBlob); a server that ignores Range restarts the
// blob. Two pulls of the same blob, in one process or several, download it once: the second
// waits for the first. Registries are tried mirror by mirror, then the registry itself.
//
// Progress callbacks are serialised by Pull (never called concurrently) but come from worker
// threads. Thread-compatible: one call at a time per Store object is not required (the store
// is thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/puller/http_transport.hpp"
#include "berth/puller/registry_client.hpp"
#include "berth/store/digest.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/store.hpp"

namespace berth::puller {

// How to reach a registry; shared by pull, push and inspect.
struct RegistryAccess {
  std::optional<bool> tls_verify;  // --tls-verify; unset: from registries.json "insecure"
  std::string creds;               // --creds USER:PASS
  std::string authfile;            // --authfile
  std::string cert_dir;            // --cert-dir
  std::string registries_conf;     // --registries-conf
  std::shared_ptr<HttpTransport> transport;  // null: libcurl (tests inject a fake)
  RetryPolicy retry;
  std::vector<std::string> certs_roots;  // empty: DefaultCertsRoots()
  bool use_environment = true;  // read $XDG_RUNTIME_DIR/$HOME credential and config files
  // Bearer tokens kept across processes (token_cache.hpp; the CLI gives the store's
  // TokenCacheDir); empty: in memory only. Logout removes the registry's tokens from it.
  std::string token_cache_dir;
};

class PullProgress {
 public:
  virtual ~PullProgress() = default;
  virtual void BlobStarted(const store::Digest& /*blob*/, int64_t /*size*/) {}
  virtual void BlobBytes(const store::Digest& /*blob*/, uint64_t /*done*/, int64_t /*size*/) {}
  virtual void BlobDone(const store::Digest& /*blob*/) {}
  virtual void BlobExists(const store::Digest& /*blob*/) {}  // "Already exists"
  virtual void ConfigDone(const store::Digest& /*config*/) {}
  virtual void WritingManifest() {}
};

struct PullOptions {
  std::string reference;  // "alpine", "docker.io/library/alpine:latest", "x@sha256:..."
  std::string platform;   // "os/arch[/variant]"; empty: the host's
  RegistryAccess access;
  int max_parallel = 3;
  PullProgress* progress = nullptr;  // not owned; may be null
};

struct PullResult {
  std::string name;              // normalised reference pulled
  store::Digest image_id;        // config digest
  store::Digest manifest;        // the platform manifest stored
  store::Digest pulled_digest;   // what the reference resolved to (index digest if any)
  std::string repo_digest;       // "docker.io/library/alpine@sha256:..."
};

// Pulls an image into `store` and tags it. Errors: kInvalidArgument (bad reference, malformed
// manifest naming the field), kNotFound ("manifest unknown", no matching platform listing
// the available ones), kUnauthorized, kDigestMismatch (nothing unverified is kept),
// kUnsupported (schema1), kNetwork (naming the host and the last answer). Idempotent: a
// second pull fetches only the manifest.
Result<PullResult> Pull(store::Store& store, const PullOptions& options);

inline constexpr int64_t kDefaultPushChunkSize = 64ll << 20;

struct PushOptions {
  std::string source;       // local image (name or id)
  std::string destination;  // reference to push to; empty: the source name
  RegistryAccess access;
  // Blobs larger than this are uploaded in PATCH chunks of this size; 0: always one PUT.
  int64_t chunk_size = kDefaultPushChunkSize;
  // Not owned; may be null. The pull callbacks, for blobs going the other way: BlobStarted
  // and BlobDone around an upload, BlobExists for a blob the registry has or mounted,
  // ConfigDone, WritingManifest. Called from the calling thread.
  PullProgress* progress = nullptr;
};

// Pushes an image: blobs the registry lacks (HEAD first; cross-repository mount when the
// image came from another repository on the same registry; else an upload, chunked above
// chunk_size), layers, then the config, the manifest last with its exact stored bytes (so the
// pushed image keeps its digest). Returns the manifest digest. Errors name the destination
// and the blob: kUnauthorized (no push access: the registry's 401 insufficient_scope),
// kNotFound (image not stored, or a layer kept only unpacked), kNetwork.
Result<store::Digest> Push(store::Store& store, const PushOptions& options);

struct InspectOptions {
  std::string reference;
  std::string platform;
  bool list_tags = false;
  bool manifest_only = false;  // only `top` (as served): no platform choice, config or tags
  RegistryAccess access;
};

struct RemoteImage {
  FetchedManifest top;                     // as served for the reference (may be an index)
  FetchedManifest manifest;                // the chosen platform manifest
  store::Manifest parsed;                  // `manifest`, parsed
  store::ImageConfig config;
  std::string config_json;
  std::vector<std::string> tags;           // when list_tags
  std::string name;                        // normalised repository name
};

// Fetches manifest(s), config and optionally the tag list without touching the store; with
// manifest_only, only what the reference names (an index stays an index). kNotFound
// ("manifest unknown", or no entry of an index for the platform), kUnauthorized, kNetwork.
Result<RemoteImage> InspectRemote(const InspectOptions& options);

}  // namespace berth::puller
