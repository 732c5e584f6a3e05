// Store: the content-addressed local store that pull, build and run share.
//
// Layout under the root (default /var/lib/berth):
//   blobs/sha256/<hex>   immutable blobs (blob_store.hpp)
//   layers/<hex>/        unpacked layers in overlay form (layer_store.hpp), l/ short links
//   images.json          image records (image_store.hpp)
//   empty/               an empty directory, the bottom lower of every overlay
//   mounts/<id>/merged   image mounts (`berth image mount`)
//   holds/<holder>       images in use by containers (HoldImage)
//   tmp/                 stages; everything enters the store by rename from here
//   cache/tokens/        registry bearer tokens, kept by the puller (token_cache.hpp)
//   lock                 shared by every operation that adds or uses content, exclusive for GC
//
// A Store object holds the shared lock for its lifetime, so garbage collection in another
// process never removes what this one is adding. Move-only; its methods may be called from
// several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/file_lock.hpp"
#include "berth/base/result.hpp"
#include "berth/store/blob_store.hpp"
#include "berth/store/digest.hpp"
#include "berth/store/image_store.hpp"
#include "berth/store/layer_store.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/overlay.hpp"

namespace berth::store {

namespace fs = std::filesystem;

// The default root: $BERTH_ROOT if set, else /var/lib/berth.
fs::path DefaultRoot();

// An image with its manifest and config read and parsed.
struct ImageView {
  ImageRecord record;
  Manifest manifest;
  std::string manifest_json;
  ImageConfig config;
  std::string config_json;
};

struct RemoveReport {
  std::vector<std::string> untagged;  // names removed
  std::vector<Digest> deleted;        // image ids (config digests) removed
};

// An image that something outside the store (a container) runs on; see Store::HoldImage.
struct ImageHold {
  std::string holder;
  ImageRecord image;  // manifest and config only
};

struct GcReport {
  std::vector<Digest> blobs_removed;
  std::vector<DiffId> layers_removed;
  uint64_t bytes_freed = 0;
};

class Store {
 public:
  // Opens the store at `root`, creating its layout if needed, and takes the shared lock.
  // kInvalidArgument if root is on overlayfs (an upper dir cannot live there).
  static Result<Store> Open(const fs::path& root);

  const fs::path& root() const { return root_; }
  BlobStore& blobs() { return blobs_; }
  const BlobStore& blobs() const { return blobs_; }
  LayerStore& layers() { return layers_; }
  const LayerStore& layers() const { return layers_; }
  ImageStore& images() { return images_; }
  const ImageStore& images() const { return images_; }

  // Finds an image by name ("alpine", "docker.io/library/alpine:latest"), by id (config
  // digest, full or a unique prefix of at least 3 hex digits, with or without "sha256:"), or
  // by manifest digest. kNotFound naming the input; kInvalidArgument if a prefix is ambiguous.
  Result<ImageRecord> FindImage(std::string_view name_or_id) const;
  Result<ImageView> ReadImage(const ImageRecord& record) const;

  // Registers the image whose manifest blob `manifest` is stored, together with its config
  // and layer blobs: unpacks the layers not yet present (in parallel, checking each diff_id
  // against the config), then records it under `names` (normalised references). A layer
  // already present (unpacked for another image, or made by AdoptLayer, layer_adopt.hpp) is
  // used as it is: its blob is not read and its directory not touched. Fails with kNotFound
  // if a blob is missing and its layer absent. Idempotent.
  Result<ImageRecord> CommitImage(const Digest& manifest, const std::vector<std::string>& names,
                                  const std::vector<std::string>& repo_digests = {});

  // Overlay mount description for an image's layers (read-only when upper/work are absent).
  Result<MountSpec> ImageMountSpec(const ImageView& image, const fs::path& target,
                                   std::optional<fs::path> upper = {},
                                   std::optional<fs::path> work = {}) const;

  // Points the normalised reference `name` at `image`, moving it from any other image.
  Result<void> Tag(const ImageRecord& image, const std::string& name);

  // `berth rmi` semantics: given a name of an image that has other names, only that name is
  // removed; otherwise (the last name, or an id) the image record goes, then GC frees what
  // nothing else uses. kBusy when the image is mounted (`berth image mount`).
  Result<RemoveReport> RemoveImage(std::string_view name_or_id);
  // Removes every image without a name, then collects garbage.
  Result<RemoveReport> PruneImages();
  // True if `berth image mount` has this image mounted.
  bool IsImageMounted(const ImageRecord& image) const;
  fs::path ImageMountPoint(const ImageRecord& image) const;

  // Holds: while `holder` (a container id: [A-Za-z0-9_-]+) holds an image, RemoveImage
  // answers kBusy naming the holder instead of deleting it (untagging one of several names
  // is still allowed), PruneImages skips it and GC keeps its blobs and layers. HoldImage
  // replaces the holder's previous hold; ReleaseHold is idempotent. A hold is written
  // atomically: after a crash it is there whole or not at all.
  Result<void> HoldImage(const std::string& holder, const ImageRecord& image);
  Result<void> ReleaseHold(const std::string& holder);
  Result<std::vector<ImageHold>> Holds() const;
  Result<std::vector<std::string>> HoldersOf(const ImageRecord& image) const;

  // Removes everything no image uses: blobs, layers, stale stages, dangling links. Takes the
  // exclusive lock for its duration.
  Result<GcReport> GarbageCollect();

  fs::path tmp_dir() const { return root_ / "tmp"; }
  fs::path mounts_dir() const { return root_ / "mounts"; }
  fs::path holds_dir() const;

 private:
  Store(fs::path root, FileLock lock);
  fs::path root_;
  FileLock lock_;
  BlobStore blobs_;
  LayerStore layers_;
  ImageStore images_;
};

}  // namespace berth::store
