// Layer adoption: a directory already in overlay form (a build step's upper dir) becomes a
// store layer by rename, without being unpacked again.
//
// AdoptLayer carries out, in this order:
//   1. checks: `dir` is a directory (not a symlink) on the store's filesystem, and not part
//      of the store's own content (rename(2) cannot cross filesystems; a copy would cost as
//      much as the unpack this avoids, so that case fails and the caller falls back to
//      CommitLayer plus Store::CommitImage, which unpacks);
//   2. normalises `dir` in place into the unpacked form of its own tar: mtimes in whole
//      seconds and clamped to SOURCE_DATE_EPOCH, overlay's bookkeeping xattrs removed
//      (opaque kept as trusted.overlay.opaque=y), whiteout devices mode 0, sockets removed,
//      the root dir 0755 and owned by the caller. The layer store keeps the unpacked form of
//      the layer's tar, so the adopted dir is made to equal it, not the other way round;
//   3. writes the layer blob with CommitLayer (diff_id and digest in the same pass) into a
//      stage and renames it into blobs/ (fsync first);
//   4. LayerStore::Adopt: renames `dir` into a stage, makes the short link, writes
//      layer.json, syncs and renames the stage to layers/<diff_id hex>/.
// After step 4 the layer's diff/ is `dir` itself (same inodes), and unpacking the blob
// would give an equivalent tree: same names, types, modes, owners, mtimes (seconds),
// xattrs, contents, link targets and hardlink groups; only the root's and the whiteouts'
// mtimes (which the unpack sets to the time of the unpack) may differ.
//
// Layers are keyed by diff_id (layer_store.hpp): the overlay form of a layer depends only on
// its own tar, so one directory serves every chain it appears in. If the layer is already
// present (the same content, adopted or pulled before; in particular every layer with the
// same chain id), `dir` is removed and the existing layer is used. The chain id, computed
// from `parents`, is returned for the caller's build cache.
//
// Crash safety: a crash at any instant leaves no layer or a whole one. Before step 4's first
// rename `dir` is still the caller's (perhaps normalised), a blob may be stored that no
// image uses yet; after it, leftovers are a stage under tmp/ and a dangling link, both
// removed by the next garbage collection, which also removes blobs and layers that no image
// uses.
//
// Locking: like unpacks, adoption runs under the shared store lock the Store object holds
// for its lifetime, so garbage collection (exclusive) cannot run meanwhile; concurrent
// adoptions and unpacks of the same layer both succeed and leave one directory. The caller
// must keep using the same Store (not run GarbageCollect) until Store::CommitImage has
// recorded an image that uses the layer, else GC removes it as unused.
//
// Needs the privileges normalising needs: none for a tree without overlay xattrs or foreign
// root ownership, CAP_SYS_ADMIN to rewrite trusted.overlay.* xattrs. Thread-safe as the
// Store is; `dir` must not change meanwhile (unmount the overlay that used it first).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/digest.hpp"
#include "berth/store/layer_commit.hpp"
#include "berth/store/layer_store.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/store.hpp"

namespace berth::store {

namespace fs = std::filesystem;

struct AdoptOptions {
  // Compression of the blob and the SOURCE_DATE_EPOCH clamp, which applies to the layer
  // directory's mtimes as well as to the tar.
  CommitOptions commit;
  // Called at each AdoptStep (layer_store.hpp); an error it returns fails the adoption there.
  AdoptObserver observe;
};

struct AdoptedLayer {
  DiffId diff_id;          // sha256 of the uncompressed tar
  ChainId chain_id;        // of `parents` followed by this layer
  Digest digest;           // the layer blob, in blobs/
  uint64_t size = 0;       // blob bytes
  uint64_t tar_size = 0;   // uncompressed bytes (the layer record's size)
  std::string media_type;  // OCI layer media type for the compression used
  bool reused = false;     // the layer was already present; `dir` was removed
  // The manifest's descriptor for the blob.
  Descriptor descriptor() const;
};

// Makes the overlay-form directory `dir` a layer of `store`, as described above. `parents`
// are the diff_ids of the layers it sits on, bottom first (empty for a first layer). On
// success `dir` no longer exists at its path. Errors: kInvalidArgument when `dir` is not a
// directory, is on another filesystem or mount than the store, or belongs to the store;
// kUnsupported for metacopy/redirect xattrs; CommitLayer's errors (kInvalidArgument for a
// name starting with .wh.). A failure before AdoptStep::kDirStaged leaves `dir` in place
// (maybe normalised); one after removes it. A blob written before a failure stays until
// garbage collection. Idempotent in effect: adopting equal content again reuses the layer.
Result<AdoptedLayer> AdoptLayer(Store& store, const fs::path& dir,
                                const std::vector<DiffId>& parents,
                                const AdoptOptions& options = {});

}  // namespace berth::store
