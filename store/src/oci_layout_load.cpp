// Loading an OCI image layout, as a directory (oci-dir) or a tar (oci-archive).
//
// Both forms end in the same walk: index.json -> each entry -> (nested indexes resolved to
// the host platform) -> image manifest -> config and layers. Every blob enters the store
// through BlobStore::Ingest, checked against the digest and size its descriptor (or, in a
// tar, its member name) gives, so a corrupt layout never puts a wrong byte in the store.
#include <fcntl.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "archive_internal.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/reference.hpp"
#include "tar_stream.hpp"

namespace berth::store {

namespace {

constexpr uint64_t kMaxJson = 16 << 20;
constexpr uint64_t kMaxLayoutFile = 64 << 10;
// An index may point at an index; deeper nesting than this is a loop or an attack.
constexpr int kMaxIndexDepth = 4;
constexpr std::string_view kBlobPrefix = "blobs/sha256/";

std::string BlobWhat(const Digest& d) { return "blob sha256:" + d.Short(); }

std::string_view HostArchitecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__i386__)
  return "386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

Result<void> CheckLayoutVersion(std::string_view text) {
  std::string version;
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    version = j.at("imageLayoutVersion").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return MakeError(ErrorCode::kInvalidArgument, "oci-layout: no string field imageLayoutVersion");
  }
  if (version != "1.0.0") {
    return MakeError(ErrorCode::kUnsupported,
                     "oci-layout: image layout version " + Quote(version) + " (want 1.0.0)");
  }
  return Ok();
}

// buildx and docker 25 put provenance/SBOM manifests next to the images, marked by an
// annotation and the platform unknown/unknown; they are not runnable images.
bool IsAttestation(const Descriptor& d) {
  auto it = d.annotations.find("vnd.docker.reference.type");
  if (it != d.annotations.end() && it->second == "attestation-manifest") return true;
  return d.platform && (d.platform->os == "unknown" || d.platform->architecture == "unknown");
}

// The name an index entry gives its image. containerd (and docker 25) write the full name in
// io.containerd.image.name and a bare tag in ref.name; skopeo (`oci:dir:busybox:latest`) and
// podman write the full reference in ref.name. A bare tag ("latest") names no repository, so
// such an image is loaded without a name, as podman does.
std::vector<std::string> NamesFromAnnotations(const std::map<std::string, std::string>& a) {
  for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
    auto it = a.find(key);
    if (it == a.end()) continue;
    const std::string& v = it->second;
    if (v.find_first_of("/:") == std::string::npos) continue;
    auto ref = Reference::Parse(v);
    if (ref && !ref->tag.empty()) return {ref->String()};
  }
  return {};
}

// Where a layout's blobs come from; Fetch makes one present and verified in the store.
class BlobSource {
 public:
  virtual ~BlobSource() = default;
  virtual Result<void> Fetch(const Descriptor& d) = 0;
};

class DirSource final : public BlobSource {
 public:
  DirSource(Store& store, fs::path dir) : store_(store), dir_(std::move(dir)) {}
  Result<void> Fetch(const Descriptor& d) override {
    // Opened even when the store has the blob, so a layout missing a blob is reported as
    // broken whatever the store happens to hold.
    auto fd = Open(dir_ / "blobs" / "sha256" / d.digest.hex(), O_RDONLY);
    if (!fd) return fd.error().Context(BlobWhat(d.digest));
    FdReader in(fd->get());
    // Ingest's errors name the blob already.
    return store_.blobs().Ingest(in, d.digest, d.size);
  }

 private:
  Store& store_;
  fs::path dir_;
};

// The tar form has streamed every blob into the store already; this checks presence and size.
class IngestedSource final : public BlobSource {
 public:
  explicit IngestedSource(Store& store) : store_(store) {}
  Result<void> Fetch(const Descriptor& d) override {
    auto size = store_.blobs().Size(d.digest);
    if (!size) {
      return MakeError(ErrorCode::kNotFound, BlobWhat(d.digest) + ": not in the archive");
    }
    if (static_cast<int64_t>(*size) != d.size) {
      return MakeError(ErrorCode::kInvalidArgument,
                       BlobWhat(d.digest) + ": size " + std::to_string(*size) +
                           ", but its descriptor says " + std::to_string(d.size));
    }
    return Ok();
  }

 private:
  Store& store_;
};

class LayoutResolver {
 public:
  LayoutResolver(Store& store, BlobSource& src) : store_(store), src_(src) {}
  Result<std::vector<PendingImage>> Resolve(const Index& index);

 private:
  Result<void> AddEntry(const Descriptor& d, const std::vector<std::string>& names, int depth);
  Result<void> AddManifest(const Descriptor& d, std::string_view json,
                           const std::vector<std::string>& names);
  Result<const Descriptor*> PickForHost(const Index& index, const Digest& digest) const;
  Result<void> FetchChecked(const Descriptor& d);
  Result<std::string> FetchJson(const Descriptor& d);

  Store& store_;
  BlobSource& src_;
  std::vector<PendingImage> out_;
};

Result<std::vector<PendingImage>> LayoutResolver::Resolve(const Index& index) {
  for (const Descriptor& d : index.manifests) {
    if (IsAttestation(d)) continue;
    BERTH_TRY(AddEntry(d, NamesFromAnnotations(d.annotations), 0));
  }
  return std::move(out_);
}

Result<void> LayoutResolver::FetchChecked(const Descriptor& d) {
  if (d.size < 0) {
    return MakeError(ErrorCode::kInvalidArgument, BlobWhat(d.digest) + ": negative size");
  }
  return src_.Fetch(d);
}

Result<std::string> LayoutResolver::FetchJson(const Descriptor& d) {
  if (d.size > static_cast<int64_t>(kMaxJson)) {
    return MakeError(ErrorCode::kInvalidArgument, BlobWhat(d.digest) + ": " +
                                                      std::to_string(d.size) +
                                                      " bytes is too big for a manifest or index");
  }
  BERTH_TRY(FetchChecked(d));
  auto json = store_.blobs().Read(d.digest, kMaxJson);
  if (!json) return json.error().Context(BlobWhat(d.digest));
  return std::move(*json);
}

Result<void> LayoutResolver::AddEntry(const Descriptor& d, const std::vector<std::string>& names,
                                      int depth) {
  BERTH_ASSIGN_OR_RETURN(std::string json, FetchJson(d));
  std::string type = d.media_type.empty() ? DetectMediaType(json) : d.media_type;
  if (media::IsManifest(type)) return AddManifest(d, json, names);
  // Anything else (an artifact, a signature) is not an image: skipped, as skopeo does.
  if (!media::IsIndex(type)) return Ok();
  std::string what = "index " + d.digest.String();
  if (depth >= kMaxIndexDepth) {
    return MakeError(ErrorCode::kInvalidArgument, what + ": indexes nested too deeply");
  }
  auto index = ParseIndex(json);
  if (!index) return index.error().Context(what);
  BERTH_ASSIGN_OR_RETURN(const Descriptor* pick, PickForHost(*index, d.digest));
  return AddEntry(*pick, names, depth + 1);
}

Result<const Descriptor*> LayoutResolver::PickForHost(const Index& index,
                                                      const Digest& digest) const {
  std::vector<const Descriptor*> candidates;
  for (const Descriptor& m : index.manifests) {
    if (!IsAttestation(m)) candidates.push_back(&m);
  }
  for (const Descriptor* c : candidates) {
    if (c->platform && c->platform->os == "linux" &&
        c->platform->architecture == HostArchitecture()) {
      return c;
    }
  }
  if (candidates.size() == 1 && !candidates[0]->platform) return candidates[0];
  std::vector<std::string> found;
  for (const Descriptor* c : candidates) {
    found.push_back(c->platform ? c->platform->String() : "no platform");
  }
  return MakeError(
      ErrorCode::kNotFound,
      "index " + digest.String() + ": no manifest for linux/" + std::string(HostArchitecture()) +
          " (found: " + (found.empty() ? std::string("none") : Join(found, ", ")) + ")");
}

Result<void> LayoutResolver::AddManifest(const Descriptor& d, std::string_view json,
                                         const std::vector<std::string>& names) {
  std::string what = "manifest " + d.digest.String();
  auto m = ParseManifest(json);
  if (!m) return m.error().Context(what);
  if (!media::IsImageConfig(m->config.media_type)) return Ok();
  auto r = FetchChecked(m->config);
  if (!r) return r.error().Context(what);
  for (const Descriptor& layer : m->layers) {
    if (!media::IsLayer(layer.media_type)) {
      return MakeError(ErrorCode::kUnsupported, what + ": layer " + layer.digest.String() +
                                                    " has media type " + Quote(layer.media_type));
    }
    r = FetchChecked(layer);
    if (!r) return r.error().Context(what);
  }
  out_.push_back(PendingImage{d.digest, names});
  return Ok();
}

Result<Index> ParseTopIndex(std::string_view json) {
  auto index = ParseIndex(json);
  if (!index) return index.error().Context("index.json");
  return std::move(*index);
}

}  // namespace

Result<std::vector<PendingImage>> LoadOciDir(Store& store, const fs::path& dir) {
  BERTH_ASSIGN_OR_RETURN(std::string layout, ReadFile(dir / "oci-layout", kMaxLayoutFile));
  BERTH_TRY(CheckLayoutVersion(layout));
  BERTH_ASSIGN_OR_RETURN(std::string index_json, ReadFile(dir / "index.json", kMaxJson));
  BERTH_ASSIGN_OR_RETURN(Index index, ParseTopIndex(index_json));
  DirSource src(store, dir);
  return LayoutResolver(store, src).Resolve(index);
}

Result<std::vector<PendingImage>> LoadOciArchive(Store& store, const fs::path& file) {
  BERTH_ASSIGN_OR_RETURN(auto tar, TarReader::OpenFile(file));
  std::optional<std::string> layout, index_json;
  // One pass: blobs stream straight into the store (verified against their member names),
  // the two small JSON files are kept, and index.json is walked once the tar has ended. A
  // stream cannot go back, so blobs of platforms not chosen are stored too; GC removes them.
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::optional<TarMember> m, tar->Next());
    if (!m) break;
    if (m->type != TarMember::Type::kFile) continue;
    if (m->name == "oci-layout") {
      BERTH_ASSIGN_OR_RETURN(layout, ReadAll(tar->data(), kMaxLayoutFile));
    } else if (m->name == "index.json") {
      BERTH_ASSIGN_OR_RETURN(index_json, ReadAll(tar->data(), kMaxJson));
    } else if (m->name.starts_with(kBlobPrefix)) {
      // Stray files (other algorithms, editor droppings) are not blobs we can use; a blob
      // that is referenced but skipped here is reported as missing below.
      auto digest = Digest::FromHex(std::string_view(m->name).substr(kBlobPrefix.size()));
      if (!digest) continue;
      BERTH_TRY(store.blobs().Ingest(tar->data(), *digest, m->size));
    }
  }
  if (!layout) return MakeError(ErrorCode::kInvalidArgument, "no oci-layout in the archive");
  if (!index_json) return MakeError(ErrorCode::kInvalidArgument, "no index.json in the archive");
  BERTH_TRY(CheckLayoutVersion(*layout));
  BERTH_ASSIGN_OR_RETURN(Index index, ParseTopIndex(*index_json));
  IngestedSource src(store);
  return LayoutResolver(store, src).Resolve(index);
}

}  // namespace berth::store
