// A step's changes (the upper dir of the container or mount it ran in) as a layer in the store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/store.hpp"
#include "step_image.hpp"

namespace berth::builder {

// Makes `upper` (overlay form: whiteouts, opaque dirs; on the store's filesystem; nothing
// mounted on it any more) the step's layer without unpacking anything again: the mountpoints
// berth made for /etc/hosts, /etc/hostname and /etc/resolv.conf are removed, then
// store::AdoptLayer writes the gzip blob (diff_id and digest in one pass, mtimes clamped to
// `timestamp`) and renames the directory into the layer store (layer_adopt.hpp). `parents`
// are the diff_ids below it. CommitStep then records the layer with the step's image.
Result<StepLayer> CommitUpperLayer(store::Store& s, const std::filesystem::path& upper,
                                   const std::vector<store::DiffId>& parents, int64_t timestamp);

}  // namespace berth::builder
