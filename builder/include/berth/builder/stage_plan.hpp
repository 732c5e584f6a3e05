// The stage planner: from a parsed Containerfile and the build's inputs (build args, --target,
// platform, and the configs of base images) to the ordered list of stages to build and the
// steps of each. Pure: it reads nothing but what it is given and runs nothing.
//
// Rules (Docker's reference, with BuildKit's choices where the reference is silent):
// - Only ARG may come before the first FROM. Those *global* ARGs are usable in FROM lines (and
//   in COPY --from / RUN --mount from=, as buildah allows); inside a stage only after a
//   re-declaration "ARG NAME", which takes the global value unless a --build-arg is given.
// - An ARG's value: the --build-arg if given, else its default (expanded in the stage's scope),
//   else the global ARG of that name, else none. An ARG is visible in its stage from its
//   declaration on, and in stages built FROM that stage (the current reference), not elsewhere;
//   it is not in the image config; ENV of the same name wins over an ARG.
// - Predefined ARGs: the proxies (HTTP_PROXY, HTTPS_PROXY, FTP_PROXY, NO_PROXY, ALL_PROXY and
//   their lower-case forms) are usable without declaration when given with --build-arg and are
//   left out of history and cache text unless declared; TARGETPLATFORM, TARGETOS, TARGETARCH,
//   TARGETVARIANT, BUILDPLATFORM, BUILDOS, BUILDARCH, BUILDVARIANT are global ARGs with values
//   from the platforms (a --build-arg overrides them).
// - ENV is visible to the later instructions of its stage and to stages built FROM it; a base
//   image's Env is visible too, with PATH defaulted as BuildKit does when the base has none.
//   WORKDIR is relative to the previous one (the base image's at first); SHELL changes the shell
//   form of RUN, CMD and ENTRYPOINT.
// - A stage FROM a base image runs the image's ONBUILD triggers first; a stage FROM an earlier
//   stage runs that stage's ONBUILD instructions first.
// - Stages are referred to by name (case-insensitive; "AS" names are lower-cased) or, in
//   COPY --from, by index. FROM <name> means an earlier stage of that name, otherwise an image;
//   COPY --from=<name> means a stage, which must come earlier, otherwise an image.
// - Only the target (--target, else the last stage) and the stages it needs, through FROM,
//   COPY --from or RUN --mount from=, are planned; base image configs are asked only for those.
//
// Errors are kInvalidArgument "FILE:LINE: <what>: <instruction as written>" (InstructionError),
// except for --target, which names no line. Thread-safe if the lookups are.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/builder/containerfile.hpp"
#include "berth/builder/expand.hpp"
#include "berth/builder/plan_step.hpp"
#include "berth/store/oci.hpp"

namespace berth::builder {

// Asks for the config of the base image `image` (a FROM reference as expanded, not normalised)
// for the platform `platform` (the expanded FROM --platform; "" for the build's target
// platform). The planner reads env, on_build, working_dir and shell. Errors are passed on with
// the FROM line as context.
using BaseConfigLookup = std::function<Result<store::ContainerConfig>(std::string_view image,
                                                                      std::string_view platform)>;

struct PlanOptions {
  // --build-arg K=V (a value) and --build-arg K (nullopt: the value of K in `environment`; an
  // unset K counts as not given).
  std::map<std::string, std::optional<std::string>> build_args;
  VarLookup environment;  // the caller's environment, for build args given without a value
  std::string target;     // --target: a stage name (any case); "" for the last stage
  store::Platform target_platform;  // TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT
  store::Platform build_platform;   // BUILDPLATFORM, BUILDOS, BUILDARCH, BUILDVARIANT
  BaseConfigLookup base_config;     // empty: every base image has an empty config
};

struct StagePlan {
  int index = 0;     // the stage's position in the file, from 0
  std::string name;  // the "AS" name, lower case; "" when unnamed
  Instruction from;  // the FROM instruction as written
  SourceRef base;    // kScratch, kStage or kImage (never kContext)
  // FROM --platform after expansion, else the base stage's; "" for the build's target platform.
  std::string platform;
  std::vector<Step> steps;  // ONBUILD triggers of the base first, then the stage's instructions
};

struct BuildPlan {
  // The stages to build, in file order (so every stage comes after those it needs); the last
  // one is the target.
  std::vector<StagePlan> stages;
  int stage_count = 0;  // stages in the file, skipped ones included
  // Lines for the user, without a "[Warning]" prefix:
  //   "Containerfile:4: usage of undefined variable '$V': RUN ..." (and a hint when V is a
  //   global ARG that the stage did not declare), and
  //   "one or more build args were not consumed: [A B]" (buildah's wording) for --build-args
  //   that no ARG of the file declares (predefined ones and SOURCE_DATE_EPOCH excepted).
  std::vector<std::string> warnings;
};

// Plans the build of `file` as described above. Fails with kInvalidArgument for: an
// instruction other than ARG before the first FROM; a stage name used twice or not of the form
// [a-z][a-z0-9._-]*; a --target that names no stage; a COPY --from index out of range or a
// COPY --from / RUN --mount from= naming the current or a later stage; a FROM, --platform,
// --from, COPY/ADD path, WORKDIR, USER, STOPSIGNAL, VOLUME, EXPOSE, ENV or LABEL name that
// expands to nothing (naming the ARGs without a value, if any); an expansion error (bad
// substitution, ${V:?msg}); an ONBUILD trigger of a base image that does not parse or is not
// allowed. Errors of base_config are passed on with context.
Result<BuildPlan> PlanBuild(const Containerfile& file, const PlanOptions& options);

}  // namespace berth::builder
