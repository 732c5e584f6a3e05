// LayerStore: unpacked layers under `<root>/layers/<diff_id hex>/`.
//
// Each layer directory holds `diff/` (the layer in overlay form, see layer_unpack.hpp) and
// `layer.json` (diff_id, uncompressed size, the compressed blob digests known to produce it,
// and a short link id). `<root>/l/<link>` is a symlink to `../layers/<hex>/diff`, so an
// overlay mount of 128+ layers fits the one-page option limit. A layer is keyed by its
// DiffId: its overlay form depends only on its own tar, so images that share a layer at any
// position share the directory. A layer directory appears by one rename, complete; the link
// is made before that rename. Safe across threads and processes: two unpacks of the same
// layer both succeed and one directory remains.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"
#include "berth/store/digest.hpp"
#include "berth/store/layer_unpack.hpp"

namespace berth::store {

namespace fs = std::filesystem;

// The points an adoption passes (see layer_adopt.hpp), in order. Each names what has just
// become true. LayerStore::Adopt reports the last four.
enum class AdoptStep {
  kNormalized,   // the directory matches the unpacked form of its own tar (still the caller's)
  kBlobStaged,   // the layer blob is written and hashed in a stage under tmp/
  kBlobStored,   // the blob is in blobs/ (durable)
  kDirStaged,    // the directory was renamed into a stage under tmp/
  kLinked,       // the short link l/<id> exists (dangling until the layer arrives)
  kRecorded,     // layer.json is written in the stage
  kLayerStored,  // the stage was renamed to layers/<hex>/ (durable): the layer exists
};

// Called at each AdoptStep. An error it returns fails the adoption there, as a failure of
// the next step would (after kLayerStored the layer stays: it is complete). A test seam for
// the failure and crash paths, also usable for progress. Empty: not called.
using AdoptObserver = std::function<Result<void>(AdoptStep)>;

struct LayerRecord {
  DiffId diff_id;
  uint64_t size = 0;          // uncompressed tar bytes
  std::vector<Digest> blobs;  // compressed blobs known to have this diff_id
  std::string link;           // short id: <root>/l/<link> -> ../layers/<hex>/diff
};

class LayerStore {
 public:
  explicit LayerStore(fs::path root);

  bool Has(const DiffId& id) const;
  // kNotFound when absent.
  Result<LayerRecord> Get(const DiffId& id) const;
  fs::path DiffDir(const DiffId& id) const;
  // "l/<link>", relative to the store root.
  static std::string LinkPath(const LayerRecord& r) { return "l/" + r.link; }

  // Unpacks the layer blob `blob` (digest `blob_digest`, read to its end) unless the layer
  // is present. When `expected` is given the computed diff_id must equal it
  // (kDigestMismatch otherwise, nothing kept); the blob's digest is checked against
  // `blob_digest` too. Returns the record.
  Result<LayerRecord> Unpack(Reader& blob, const Digest& blob_digest, const DiffId* expected,
                             const UnpackOptions& options = {});

  // Moves an overlay-form directory that the caller built (a container's or build step's
  // upper dir, on the store's filesystem) into the store as layer `id`, by rename: the
  // directory's inodes become the layer's. The caller vouches that `dir` is the unpacked
  // form of a tar with diff_id `id` and `size` bytes whose compressed blob is `blob`
  // (AdoptLayer in layer_adopt.hpp establishes that). If the layer exists, `dir` is removed
  // and the existing record returned (with `blob` added to it). kInvalidArgument when `dir`
  // is on another filesystem (rename(2) gives EXDEV); `dir` is then left alone. Once it was
  // renamed into a stage (AdoptStep::kDirStaged), a failure removes it with the stage; a
  // crash leaves the stage for the next garbage collection and never a partial layer.
  Result<LayerRecord> Adopt(const fs::path& dir, const DiffId& id, uint64_t size,
                            const Digest& blob, const AdoptObserver& observe = {});

  // Records that `blob` also decompresses to layer `id`.
  Result<void> AddBlob(const DiffId& id, const Digest& blob);

  // Removes a layer (its directory and link); absent is success. The caller (GC) must know
  // that nothing uses it.
  Result<void> Remove(const DiffId& id);
  Result<std::vector<DiffId>> List() const;

 private:
  Result<std::string> MakeLink(const DiffId& id);
  fs::path root_;
};

}  // namespace berth::store
