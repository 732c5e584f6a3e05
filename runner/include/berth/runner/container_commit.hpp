// Container commit: `berth commit`, a container's changes as a new image.
//
// The container's upper dir (containers/<id>/upper, in overlay form) becomes one new layer on
// top of the container's image: a gzip tar in which overlay whiteouts (0/0 character
// devices) are `.wh.NAME` entries and opaque directories carry `.wh..wh..opq`
// (store/layer_commit.hpp). The new image has the base image's layers plus that one, a
// config that is the base config with the new diff_id, `created` set to now, a history
// entry (created_by: the container's command; comment: the message; author) and the
// `--change` instructions applied (image_config_change.hpp), and a manifest of the base's
// kind (OCI or Docker schema2, or the one asked for). Unlike podman, the container's own run
// settings (command, env, working directory, user) are not copied into the config: the base
// image's are kept, and `--change` sets others.
//
// Atomicity: the layer blob is written to a stage under the store's tmp/ and renamed into
// blobs/ complete; the config and manifest enter as blobs the same way; the image record
// (Store::CommitImage, which also unpacks the new layer for later runs) is written last, so
// after a crash the image is there whole or not at all (orphan blobs go at the next GC).
// The upper dir is read without following any symlink in it.
//
// A running container is committed as it is: berth cannot pause yet, so files being written
// while the tar is made may be caught half-written (podman pauses by default), and an entry
// that changes type under the walk fails the commit with kBusy.
//
// Needs the privileges the layer unpack needs (root for whiteouts and opaque dirs).
// Thread-compatible; safe against other berth processes through the store's locks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/digest.hpp"
#include "berth/store/image_store.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

enum class CommitFormat {
  kSameAsBase,  // the base manifest's kind
  kOci,         // OCI image manifest and config
  kDocker,      // Docker schema2 manifest and container image v1 config
};

struct CommitContainerOptions {
  std::string container;             // name, id or unique id prefix
  std::string image_name;            // IMAGE[:TAG]; empty: the image gets no name (<none>)
  std::string author;                // --author: the config's and history entry's author
  std::string message;               // --message: the history entry's comment
  std::vector<std::string> changes;  // --change: Dockerfile instructions
  CommitFormat format = CommitFormat::kSameAsBase;
  // --pause: berth cannot pause a container yet, so a running one is refused (kUnsupported)
  // instead of being committed unpaused; a stopped one commits as usual.
  bool pause = false;
  // Told of each step as podman reports it ("Copying blob sha256:...", "Writing manifest to
  // image destination"); may be empty.
  std::function<void(const std::string&)> progress;
  // The `created` time (Unix nanoseconds); the clock when unset.
  std::optional<int64_t> created_ns;
};

struct CommitContainerResult {
  store::ImageRecord image;     // the new image (id = image.config)
  store::DiffId layer_diff_id;  // the new layer
  store::Digest layer_digest;   // its compressed blob
  uint64_t layer_size = 0;      // compressed bytes
  bool was_running = false;     // committed while its process ran
};

// Commits the container named `options.container` in the store at `store_root` and, with
// `image_name`, names the new image (normalised as `berth tag` does; the name moves from any
// image that had it). Errors: kNotFound (no such container, or its image's blobs are gone),
// kInvalidArgument (a bad image name or change, a name with a digest, a file the tar cannot
// carry or a `.wh.` name in the upper dir), kUnsupported (`pause` for a running container; a
// zstd base layer in Docker format; a redirect or metacopy xattr in the upper dir), kBusy (the
// upper dir changed under the walk), and the store's I/O errors. Committing an unchanged container
// twice gives the same layer; each commit gets its own `created`, so its own image id.
Result<CommitContainerResult> CommitContainer(const fs::path& store_root,
                                              const CommitContainerOptions& options);

}  // namespace berth::runner
