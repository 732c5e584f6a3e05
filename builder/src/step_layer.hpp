// A step's changes (the upper dir of the container or mount it ran in) as a layer in the store.
#pragma once

#include <cstdint>
#include <filesystem>

#include "berth/base/result.hpp"
#include "berth/store/store.hpp"
#include "step_image.hpp"

namespace berth::builder {

// Writes `upper` (overlay form: whiteouts, opaque dirs) as a gzip layer blob into the store,
// diff_id and digest computed in the same pass, with every mtime clamped to `timestamp`
// (Unix seconds) and without the mountpoints berth made for /etc/hosts, /etc/hostname and
// /etc/resolv.conf. The blob enters the store complete (rename); CommitStep then records it
// with the step's image.
Result<StepLayer> CommitUpperLayer(store::Store& s, const std::filesystem::path& upper,
                                   int64_t timestamp);

}  // namespace berth::builder
