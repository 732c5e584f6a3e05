// AdoptLayer: check, normalise, write the blob, move the directory in; see the header for
// the order and why each step is where it is.
#include "berth/store/layer_adopt.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "adopt_normalize.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/io.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/staged.hpp"

namespace berth::store {

namespace {

Result<void> Notify(const AdoptObserver& observe, AdoptStep step) {
  if (!observe) return Ok();
  return observe(step);
}

// True when `p` is `dir` or lies below it (both canonical).
bool IsWithin(const fs::path& p, const fs::path& dir) {
  auto [d, q] = std::mismatch(dir.begin(), dir.end(), p.begin(), p.end());
  return d == dir.end();
}

// Refuses the store's own directories: moving a layer's diff/ (or a parent of the store)
// away would break the store.
Result<void> CheckNotStoreContent(const Store& store, const fs::path& dir) {
  std::error_code ec;
  fs::path d = fs::canonical(dir, ec);
  if (ec) return SysError("resolve " + Quote(dir.string()), ec.value());
  fs::path root = fs::canonical(store.root(), ec);
  if (ec) return SysError("resolve " + Quote(store.root().string()), ec.value());
  bool inside = IsWithin(root, d);
  for (const char* sub : {"layers", "l", "blobs", "empty", "mounts"}) {
    inside = inside || IsWithin(d, root / sub);
  }
  if (inside) {
    return MakeError(ErrorCode::kInvalidArgument,
                     Quote(dir.string()) + " is part of the store, not a directory to adopt");
  }
  return Ok();
}

// Opens `dir` and checks that it can be renamed into the store.
Result<UniqueFd> OpenAdoptable(const Store& store, const fs::path& dir) {
  // O_NOFOLLOW: the directory itself is renamed, so it must not be a link to one.
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, Open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  struct stat st, tmp;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(dir.string()), errno);
  if (::stat(store.tmp_dir().c_str(), &tmp) < 0) {
    return SysError("stat " + Quote(store.tmp_dir().string()), errno);
  }
  if (st.st_dev != tmp.st_dev) {
    return MakeError(ErrorCode::kInvalidArgument,
                     Quote(dir.string()) + " is on another filesystem than the store " +
                         Quote(store.root().string()),
                     "keep upper dirs under the store root, or commit the directory with "
                     "CommitLayer and let CommitImage unpack the blob");
  }
  BERTH_TRY(CheckNotStoreContent(store, dir));
  return fd;
}

// Writes the tree under `dir_fd` as a layer blob into blobs/ (already there is fine).
Result<CommitStats> StoreLayerBlob(Store& store, int dir_fd, const AdoptOptions& options) {
  BERTH_ASSIGN_OR_RETURN(StagedFile staged, StagedFile::Create(store.tmp_dir()));
  FdWriter out(staged.fd());
  BERTH_ASSIGN_OR_RETURN(CommitStats stats, CommitLayer(dir_fd, out, options.commit));
  BERTH_TRY(Notify(options.observe, AdoptStep::kBlobStaged));
  // The digest covers exactly the bytes written to the stage.
  auto committed = staged.Commit(store.blobs().PathOf(stats.digest));
  if (!committed && committed.error().code != ErrorCode::kAlreadyExists) {
    return std::move(committed).error();
  }
  BERTH_TRY(Notify(options.observe, AdoptStep::kBlobStored));
  return stats;
}

// Whether the layer's diff/ is the directory `fd` was opened on (false: an existing layer
// was reused and `fd`'s directory removed).
bool IsSameDir(int fd, const fs::path& diff) {
  struct stat a, b;
  return ::fstat(fd, &a) == 0 && ::stat(diff.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

}  // namespace

Descriptor AdoptedLayer::descriptor() const {
  Descriptor d;
  d.media_type = media_type;
  d.digest = digest;
  d.size = static_cast<int64_t>(size);
  return d;
}

Result<AdoptedLayer> AdoptLayer(Store& store, const fs::path& dir,
                                const std::vector<DiffId>& parents, const AdoptOptions& options) {
  auto ctx = [&](Error e) { return std::move(e).Context("adopt layer " + Quote(dir.string())); };
  auto fd = OpenAdoptable(store, dir);
  if (!fd) return ctx(std::move(fd).error());
  auto normal = adopt::NormalizeOverlayDir(fd->get(),
                                           {.source_date_epoch = options.commit.source_date_epoch});
  if (normal) normal = Notify(options.observe, AdoptStep::kNormalized);
  if (!normal) return ctx(std::move(normal).error());
  auto stats = StoreLayerBlob(store, fd->get(), options);
  if (!stats) return ctx(std::move(stats).error());
  auto rec =
      store.layers().Adopt(dir, stats->diff_id, stats->tar_size, stats->digest, options.observe);
  if (!rec) return ctx(std::move(rec).error());

  AdoptedLayer out;
  out.diff_id = stats->diff_id;
  std::vector<DiffId> chain = parents;
  chain.push_back(stats->diff_id);
  out.chain_id = ComputeChainId(chain);
  out.digest = stats->digest;
  out.size = stats->size;
  out.tar_size = stats->tar_size;
  out.media_type = stats->media_type;
  out.reused = !IsSameDir(fd->get(), store.layers().DiffDir(stats->diff_id));
  return out;
}

}  // namespace berth::store
