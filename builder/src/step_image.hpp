// The image a build step ends with: its config and manifest written as blobs and recorded in
// the store (nameless), on top of the parent's layers plus, for a filesystem step, one new
// layer. Build images are OCI images.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/digest.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/store.hpp"

namespace berth::builder {

// A layer blob that is in the store (blobs/ and, unpacked, layers/).
struct StepLayer {
  store::DiffId diff_id;
  store::Digest digest;
  uint64_t size = 0;
  std::string media_type;
};

// What a stage is built on and what each step changes.
struct ImageState {
  store::ImageConfig config;
  std::vector<store::Descriptor> layers;     // manifest descriptors, bottom first
  std::optional<store::ImageRecord> record;  // the stored image, once there is one
};

// The state of an image in the store.
Result<ImageState> StateOf(const store::Store& s, const store::ImageRecord& image);

// The empty state of `FROM scratch`: no layers, the platform's os and architecture.
ImageState ScratchState(const store::Platform& platform);

// Writes `state`'s config and manifest as they are and records the image (nameless);
// `state.record` is set to it.
Result<void> RecordImage(store::Store& s, ImageState& state);

// Appends `layer` (if any) and a history entry (created_by, created; empty_layer without a
// layer) to `state`, writes the config and manifest and records the image. `state.record`
// is set to it.
Result<void> CommitStep(store::Store& s, ImageState& state, const std::optional<StepLayer>& layer,
                        const std::string& created_by, const std::string& created);

}  // namespace berth::builder
