// RUN: the step's command in a container of the runner on the current image; the container's
// upper dir becomes the step's layer, then the container goes.
#pragma once

#include "berth/base/result.hpp"
#include "berth/builder/plan_step.hpp"
#include "build_session.hpp"
#include "step_image.hpp"

namespace berth::builder {

// Runs `step` on `state`'s image (its Env, WorkingDir and User apply; its Entrypoint does
// not) with the step's build args in the environment and the build's network; its output
// goes to berth's stdout and stderr. A non-zero exit is an error naming the instruction and
// the status; the container is removed either way.
Result<StepLayer> RunStep(BuildSession& s, const Step& step, const ImageState& state);

}  // namespace berth::builder
