// Push: blobs the registry lacks (HEAD, cross-repository mount, upload: monolithic or in
// PATCH chunks), then the manifest with its exact stored bytes (see pull.hpp).
#include <unistd.h>

#include <algorithm>
#include <cerrno>

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

// Reads a stored blob from `offset` on, owning the fd, and reports how far the upload got.
class BlobReader : public Reader {
 public:
  BlobReader(UniqueFd fd, uint64_t offset, const store::Descriptor& desc, PullProgress* progress)
      : fd_(std::move(fd)), r_(fd_.get()), pos_(offset), desc_(desc), progress_(progress) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    BERTH_ASSIGN_OR_RETURN(size_t n, r_.Read(buf));
    pos_ += n;
    if (progress_ != nullptr && n > 0) progress_->BlobBytes(desc_.digest, pos_, desc_.size);
    return n;
  }

 private:
  UniqueFd fd_;
  FdReader r_;
  uint64_t pos_;
  const store::Descriptor& desc_;
  PullProgress* progress_;
};

struct PushContext {
  store::Store& st;
  RegistryClient& client;
  const std::string& repo;
  const std::vector<std::string>& sources;
  const PushOptions& options;
};

// Whether the registry has the blob or can mount it from a repository it came from.
Result<bool> BlobThere(const PushContext& c, const store::Digest& digest) {
  BERTH_ASSIGN_OR_RETURN(bool present, c.client.HasBlob(c.repo, digest));
  if (present) return true;
  for (const auto& src : c.sources) {
    BERTH_ASSIGN_OR_RETURN(bool mounted, c.client.MountBlob(c.repo, digest, src));
    if (mounted) return true;
  }
  return false;
}

Result<void> PushBlob(const PushContext& c, const store::Descriptor& desc, bool config) {
  PullProgress* progress = c.options.progress;
  BERTH_ASSIGN_OR_RETURN(bool there, BlobThere(c, desc.digest));
  if (there) {
    if (progress != nullptr && config) progress->ConfigDone(desc.digest);
    if (progress != nullptr && !config) progress->BlobExists(desc.digest);
    return Ok();
  }
  if (!c.st.blobs().Has(desc.digest)) {
    return MakeError(ErrorCode::kNotFound, "blob " + desc.digest.String() +
                                               " is not in the local store (layer kept only "
                                               "in unpacked form)");
  }
  if (progress != nullptr && !config) progress->BlobStarted(desc.digest, desc.size);
  BERTH_TRY(c.client.UploadBlob(
      c.repo, desc.digest, desc.size,
      [&](uint64_t offset) -> Result<std::unique_ptr<Reader>> {
        BERTH_ASSIGN_OR_RETURN(UniqueFd fd, c.st.blobs().Open(desc.digest));
        if (offset > 0 && ::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0) {
          return SysError("seek blob " + desc.digest.String(), errno);
        }
        return std::unique_ptr<Reader>(
            std::make_unique<BlobReader>(std::move(fd), offset, desc, config ? nullptr : progress));
      },
      c.options.chunk_size));
  if (progress != nullptr && config) progress->ConfigDone(desc.digest);
  if (progress != nullptr && !config) progress->BlobDone(desc.digest);
  return Ok();
}

Result<store::Digest> PushImage(store::Store& st, const store::ImageView& view,
                                const store::Reference& ref, const PushOptions& options) {
  BERTH_ASSIGN_OR_RETURN(auto clients, MakeClients(ref, options.access, /*with_mirrors=*/false));
  RegistryClient& client = *clients.back();
  std::vector<std::string> sources = MountSources(view.record, ref);
  client.SetPushScope(ref.repository, sources);
  PushContext c{st, client, ref.repository, sources, options};
  for (const auto& layer : view.manifest.layers) {
    auto r = PushBlob(c, layer, /*config=*/false);
    if (!r) return std::move(r).error().Context("layer " + layer.digest.String());
  }
  auto cr = PushBlob(c, view.manifest.config, /*config=*/true);
  if (!cr) return std::move(cr).error().Context("config " + view.manifest.config.digest.String());
  std::string media_type = view.manifest.media_type.empty()
                               ? std::string(store::media::kOciManifest)
                               : view.manifest.media_type;
  std::string target = ref.digest ? ref.digest->String() : ref.tag;
  if (options.progress != nullptr) options.progress->WritingManifest();
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
    dest = options.source.find('/') == std::string::npos && rec->names.size() == 1 ? rec->names[0]
                                                                                   : options.source;
  }
  auto ref = store::Reference::Parse(dest);
  if (!ref) return std::move(ref).error().Context(what);
  what = "push " + ref->String();
  auto view = store.ReadImage(*rec);
  if (!view) return std::move(view).error().Context(what);
  auto d = PushImage(store, *view, *ref, options);
  if (!d) return std::move(d).error().Context(what);
  return *d;
}

}  // namespace berth::puller
