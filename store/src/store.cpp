#include "berth/store/store.hpp"

#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/reference.hpp"

namespace berth::store {

namespace {
constexpr long kOverlayfsMagic = 0x794c7630;
}

fs::path DefaultRoot() {
  const char* env = std::getenv("BERTH_ROOT");
  if (env && *env) return env;
  return "/var/lib/berth";
}

Store::Store(fs::path root, FileLock lock)
    : root_(root), lock_(std::move(lock)), blobs_(root), layers_(root), images_(root) {}

Result<Store> Store::Open(const fs::path& root_in) {
  std::error_code ec;
  fs::path root = fs::absolute(root_in, ec);
  if (ec) return SysError("resolve store root " + Quote(root_in.string()), ec.value());
  for (const char* sub : {"blobs/sha256", "layers", "l", "tmp", "partial", "empty", "mounts"}) {
    auto r = MakeDirs(root / sub);
    if (!r) return std::move(r).error().Context("open store " + Quote(root.string()));
  }
  struct statfs sfs;
  if (::statfs(root.c_str(), &sfs) == 0 && sfs.f_type == kOverlayfsMagic) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "open store " + Quote(root.string()) + ": it is on overlayfs",
                     "an overlay upper dir cannot live on overlayfs; use --root on ext4, xfs, "
                     "btrfs or tmpfs");
  }
  auto lock = FileLock::Acquire(root / "lock", FileLock::Mode::kShared);
  if (!lock) return std::move(lock).error().Context("open store " + Quote(root.string()));
  return Store(root, std::move(*lock));
}

static bool LooksLikeId(std::string_view s) {
  if (s.starts_with("sha256:")) s.remove_prefix(7);
  if (s.size() < 3 || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<ImageRecord> Store::FindImage(std::string_view name_or_id) const {
  BERTH_ASSIGN_OR_RETURN(auto records, images_.List());
  if (LooksLikeId(name_or_id)) {
    std::string_view hex = name_or_id;
    if (hex.starts_with("sha256:")) hex.remove_prefix(7);
    const ImageRecord* found = nullptr;
    for (const auto& r : records) {
      if (r.config.hex().starts_with(hex) || r.manifest.hex() == hex) {
        if (found && found->config != r.config) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "image id " + Quote(name_or_id) + " is ambiguous");
        }
        found = &r;
      }
    }
    if (found) return *found;
  }
  auto ref = Reference::Parse(name_or_id);
  if (ref) {
    std::string full = ref->String();
    for (const auto& r : records) {
      if (ref->digest) {
        if (r.manifest == *ref->digest) return r;
        for (const auto& d : r.digests) {
          if (d == ref->Name() + "@" + ref->digest->String()) return r;
        }
      } else if (std::find(r.names.begin(), r.names.end(), full) != r.names.end()) {
        return r;
      }
    }
  }
  return MakeError(ErrorCode::kNotFound, "image " + Quote(name_or_id) + " not known");
}

Result<ImageView> Store::ReadImage(const ImageRecord& record) const {
  ImageView v;
  v.record = record;
  auto ctx = [&](Error e) { return std::move(e).Context("read image " + record.config.Short()); };
  auto mj = blobs_.Read(record.manifest);
  if (!mj) return ctx(std::move(mj).error());
  v.manifest_json = std::move(*mj);
  auto m = ParseManifest(v.manifest_json);
  if (!m) return ctx(std::move(m).error());
  v.manifest = std::move(*m);
  auto cj = blobs_.Read(v.manifest.config.digest);
  if (!cj) return ctx(std::move(cj).error());
  v.config_json = std::move(*cj);
  auto c = ParseImageConfig(v.config_json);
  if (!c) return ctx(std::move(c).error());
  v.config = std::move(*c);
  if (v.config.diff_ids.size() != v.manifest.layers.size()) {
    return ctx(MakeError(ErrorCode::kInvalidArgument,
                         "manifest has " + std::to_string(v.manifest.layers.size()) +
                             " layers but the config lists " +
                             std::to_string(v.config.diff_ids.size()) + " diff_ids"));
  }
  return v;
}

// Unpacks the layers of `view` that the store lacks, several at a time.
static Result<uint64_t> UnpackMissingLayers(BlobStore& blobs, LayerStore& layers,
                                            const ImageView& view) {
  const auto& descs = view.manifest.layers;
  std::vector<Result<uint64_t>> results(descs.size(), Result<uint64_t>(uint64_t{0}));
  auto unpack_one = [&](size_t i) -> Result<LayerRecord> {
    const DiffId& want = view.config.diff_ids[i];
    auto fd = blobs.Open(descs[i].digest);
    if (!fd) {
      // A layer already unpacked needs no blob (e.g. its blob was made for another image).
      if (layers.Has(want)) return layers.Get(want);
      return std::move(fd).error();
    }
    FdReader reader(fd->get());
    return layers.Unpack(reader, descs[i].digest, &want);
  };
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < descs.size(); i = next++) {
      auto rec = unpack_one(i);
      if (rec) results[i] = rec->size;
      else results[i] = std::move(rec).error();
    }
  };
  unsigned n = std::clamp<unsigned>(std::thread::hardware_concurrency(), 1, 8);
  n = std::min<unsigned>(n, static_cast<unsigned>(descs.size()));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  uint64_t total = 0;
  for (auto& r : results) {
    if (!r) return std::move(r).error();
    total += *r;
  }
  return total;
}

Result<ImageRecord> Store::CommitImage(const Digest& manifest,
                                       const std::vector<std::string>& names,
                                       const std::vector<std::string>& repo_digests) {
  ImageRecord rec;
  rec.manifest = manifest;
  auto mj = blobs_.Read(manifest);
  if (!mj) return std::move(mj).error().Context("commit image");
  auto m = ParseManifest(*mj);
  if (!m) return std::move(m).error().Context("commit image " + manifest.Short());
  rec.config = m->config.digest;
  BERTH_ASSIGN_OR_RETURN(ImageView view, ReadImage(rec));
  auto size = UnpackMissingLayers(blobs_, layers_, view);
  if (!size) return std::move(size).error().Context("commit image " + rec.config.Short());
  rec.size = *size;
  rec.names = names;
  rec.digests = repo_digests;
  int64_t created = 0;
  if (!view.config.created.empty() && ParseRfc3339(view.config.created, &created)) {
    rec.created = created;
  }
  rec.added = static_cast<int64_t>(std::time(nullptr));
  BERTH_TRY(images_.Put(rec));
  return rec;
}

Result<MountSpec> Store::ImageMountSpec(const ImageView& image, const fs::path& target,
                                        std::optional<fs::path> upper,
                                        std::optional<fs::path> work) const {
  OverlaySpecInput in;
  in.store_root = root_;
  for (auto it = image.config.diff_ids.rbegin(); it != image.config.diff_ids.rend(); ++it) {
    auto rec = layers_.Get(*it);
    if (!rec) return std::move(rec).error().Context("mount image " + image.record.config.Short());
    in.lower_links.push_back(LayerStore::LinkPath(*rec));
  }
  in.upper = std::move(upper);
  in.work = std::move(work);
  in.target = target;
  in.read_only = !in.upper.has_value();
  return OverlayMountSpec(in);
}

}  // namespace berth::store
