// WORKDIR: the directory is created when the image lacks it, as a layer of its own (Docker's
// classic builder does the same); an existing one makes the step metadata-only.
#pragma once

#include <optional>

#include "berth/base/result.hpp"
#include "berth/builder/plan_step.hpp"
#include "build_session.hpp"
#include "step_image.hpp"

namespace berth::builder {

// The layer that creates step.value in `state`'s image, or nullopt when it exists already.
Result<std::optional<StepLayer>> MakeWorkdir(BuildSession& s, const Step& step,
                                             const ImageState& state);

}  // namespace berth::builder
