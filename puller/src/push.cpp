// Push: blobs the registry lacks (HEAD, cross-repository mount, POST + PUT), then the
// manifest with its exact stored bytes (see pull.hpp).
#include <algorithm>

#include "berth/base/io.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/puller/pull.hpp"
#include "berth/store/reference.hpp"
#include "endpoints.hpp"

namespace berth::puller {

namespace {

// Repositories on `registry` the image was pulled from (its repo digests), for mounts.
std::vector<std::string> MountSources(const store::ImageRecord& rec, const store::Reference& dst) {
  std::vector<std::string> out;
  for (const auto& rd : rec.digests) {
    auto src = store::Reference::Parse(rd);
    if (src && src->registry == dst.registry && src->repository != dst.repository &&
        std::find(out.begin(), out.end(), src->repository) == out.end()) {
      out.push_back(src->repository);
    }
  }
  return out;
}

Result<void> PushBlob(store::Store& st, RegistryClient& client, const std::string& repo,
                      const store::Descriptor& desc, const std::vector<std::string>& sources) {
  BERTH_ASSIGN_OR_RETURN(bool present, client.HasBlob(repo, desc.digest));
  if (present) return Ok();
  for (const auto& src : sources) {
    BERTH_ASSIGN_OR_RETURN(bool mounted, client.MountBlob(repo, desc.digest, src));
    if (mounted) return Ok();
  }
  if (!st.blobs().Has(desc.digest)) {
    return MakeError(ErrorCode::kNotFound, "blob " + desc.digest.String() +
                                               " is not in the local store (layer kept only "
                                               "in unpacked form)");
  }
  struct OwnedFdReader : Reader {
    UniqueFd fd;
    FdReader r{-1};
    Result<size_t> Read(std::span<std::byte> buf) override { return r.Read(buf); }
  };
  return client.UploadBlob(repo, desc.digest, desc.size,
                           [&]() -> Result<std::unique_ptr<Reader>> {
                             auto reader = std::make_unique<OwnedFdReader>();
                             BERTH_ASSIGN_OR_RETURN(reader->fd, st.blobs().Open(desc.digest));
                             reader->r = FdReader(reader->fd.get());
                             return std::unique_ptr<Reader>(std::move(reader));
                           });
}

Result<store::Digest> PushImage(store::Store& st, const store::ImageView& view,
                                const store::Reference& ref, const RegistryAccess& access) {
  BERTH_ASSIGN_OR_RETURN(auto clients, MakeClients(ref, access, /*with_mirrors=*/false));
  RegistryClient& client = *clients.back();
  std::vector<std::string> sources = MountSources(view.record, ref);
  client.SetPushScope(ref.repository, sources);
  for (const auto& layer : view.manifest.layers) {
    auto r = PushBlob(st, client, ref.repository, layer, sources);
    if (!r) return std::move(r).error().Context("layer " + layer.digest.String());
  }
  auto c = PushBlob(st, client, ref.repository, view.manifest.config, sources);
  if (!c) return std::move(c).error().Context("config " + view.manifest.config.digest.String());
  std::string media_type = view.manifest.media_type.empty()
                               ? std::string(store::media::kOciManifest)
                               : view.manifest.media_type;
  std::string target = ref.digest ? ref.digest->String() : ref.tag;
  return client.PutManifest(ref.repository, target, view.manifest_json, media_type);
}

}  // namespace

Result<store::Digest> Push(store::Store& store, const PushOptions& options) {
  std::string what = "push " + options.source;
  auto rec = store.FindImage(options.source);
  if (!rec) return std::move(rec).error().Context(what);
  std::string dest = options.destination;
  if (dest.empty()) {
    if (rec->names.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, what + ": image has no name; give DEST");
    }
    dest = options.source.find('/') == std::string::npos && rec->names.size() == 1
               ? rec->names[0]
               : options.source;
  }
  auto ref = store::Reference::Parse(dest);
  if (!ref) return std::move(ref).error().Context(what);
  what = "push " + ref->String();
  auto view = store.ReadImage(*rec);
  if (!view) return std::move(view).error().Context(what);
  auto d = PushImage(store, *view, *ref, options.access);
  if (!d) return std::move(d).error().Context(what);
  return *d;
}

}  // namespace berth::puller
