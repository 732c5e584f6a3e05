// COPY and ADD: from the context, an earlier stage or an image into the current image, as a
// new layer. The sources are resolved (and, from the context, hashed for the cache key) before
// anything is written; the copy runs on the current image mounted with a fresh upper dir
// (OverlayFS, so the image's directories and symlinks are honoured), and the upper dir
// becomes the layer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/builder/context_source.hpp"
#include "berth/builder/plan_step.hpp"
#include "build_session.hpp"
#include "step_image.hpp"
#include "step_mount.hpp"

namespace berth::builder {

// A COPY/ADD with its sources resolved.
struct PreparedCopy {
  std::optional<StepMount> from;  // COPY --from: the stage or image, mounted read-only
  int source_fd = -1;             // the context, or the --from image's root
  IgnoreRules rules;              // the context's; none for --from
  std::vector<ContextSource> matched;
  // What the cache key adds: the sources' content hash (context) or the id of the stage or
  // image they come from, with the matched paths.
  std::string content_key;
  std::string summary;  // for history: "file:<hex>", "dir:<hex>", "multi:<hex>"
};

Result<PreparedCopy> PrepareCopy(BuildSession& s, const Step& step);

// History text for the step: its created_by with the sources replaced by the summary, as
// Docker's classic builder writes it ("/bin/sh -c #(nop) COPY dir:1a2b... in /app/ ").
std::string CopyCreatedBy(const Step& step, const PreparedCopy& copy);

// Copies into `state`'s image and returns the layer.
Result<StepLayer> RunCopy(BuildSession& s, const Step& step, PreparedCopy& copy,
                          const ImageState& state);

}  // namespace berth::builder
