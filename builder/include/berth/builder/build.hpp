// BuildImage: `berth build`, a Containerfile and a context to an image in the store.
//
// The Containerfile is parsed (containerfile.hpp) and planned (stage_plan.hpp); then each
// needed stage is built step by step on top of its base:
//   RUN       runs in a container of the runner (runner/run.hpp) on the current image, with the
//             stage's Env, WorkingDir and User, the build args in its environment and the
//             build's network; its upper dir becomes the step's layer.
//   COPY ADD  copy from the context (or another stage or image, --from) into the current image
//             mounted with a fresh upper dir (OverlayFS), which becomes the step's layer.
//   WORKDIR   changes the config; creates the directory (a layer) when the image lacks it.
//   others    change the config only: a history entry with empty_layer.
// Every step ends as an image in the store (nameless, a cache entry), so the next step runs on
// it and a rebuild can start from it. The cache key of a step is the parent image, the
// instruction as expanded (with the build args it uses) and, for COPY/ADD, a hash of the
// sources' content, modes and owners (content_hash.hpp); a hit reuses the image and creates
// nothing. The target stage's image gets the names of -t.
//
// Reproducibility: every `created` time in the config and history, and the mtimes in new
// layers (clamped), come from `timestamp`: --timestamp, else SOURCE_DATE_EPOCH, else 0 (the
// Unix epoch), so the same Containerfile and context give the same image digest as long as
// the RUN commands are deterministic.
//
// Needs root (mounts, containers) and a single-threaded caller: it enters a private mount
// namespace, so whatever it mounts goes away with the process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/container_plan.hpp"
#include "berth/store/image_store.hpp"
#include "berth/store/oci.hpp"

namespace berth::builder {

struct BuildOptions {
  std::filesystem::path store_root;
  std::filesystem::path context;   // CONTEXT
  std::string containerfile;       // its text
  std::string containerfile_name;  // as errors name it ("Containerfile", "-")
  std::vector<std::string> tags;   // -t, normalised by the store
  std::map<std::string, std::optional<std::string>> build_args;  // nullopt: from the env
  std::string target;                                            // --target
  bool no_cache = false;                                         // --no-cache
  std::map<std::string, std::string> labels;                     // --label, on the final image
  runner::NetworkMode network = runner::NetworkMode::kHost;      // --network for RUN
  int64_t timestamp = 0;                                         // Unix seconds (see above)
  store::Platform platform;  // --platform, else the host's: TARGETPLATFORM, scratch
  // The base image `ref` (a FROM or COPY --from reference as written), pulled when missing
  // (or always, with --pull): supplied by the caller, which knows registries.
  std::function<Result<store::ImageRecord>(std::string_view ref, std::string_view platform)>
      ensure_image;
  // Progress as buildah prints it ("STEP 1/3: FROM busybox", "--> Using cache 1a2b..."), and
  // warnings; either may be empty.
  std::function<void(const std::string&)> progress;
  std::function<void(const std::string&)> warn;
};

struct BuildResult {
  store::ImageRecord image;  // the target stage's image
};

// Errors are one line: "FILE:LINE: ..." for a bad Containerfile, a missing COPY source or a
// failed RUN ("Containerfile:4: RUN false: exit status 1"). A failed build leaves no image
// for its failing step, no container and no mount; the images of the steps before it stay as
// cache entries.
Result<BuildResult> BuildImage(const BuildOptions& options);

// The ids ("sha256:...") of the images the build cache points at: the intermediate images of
// earlier builds, which `berth images` shows only with -a, as podman does.
std::set<std::string> IntermediateImages(const std::filesystem::path& store_root);

}  // namespace berth::builder
