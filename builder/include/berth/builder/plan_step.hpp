// One step of a stage plan (stage_plan.hpp): a Containerfile instruction after the planner has
// applied the stage's ARG/ENV scope to it, with everything the executor needs to carry it out
// and to name it in history and in the build cache, but nothing it has to find out at run time
// (file contents, the working container).
//
// Expansion follows Docker: ENV, LABEL, ARG defaults, ADD, COPY (sources, destination,
// --chown, --chmod, --checksum, --exclude, heredocs with an unquoted delimiter), EXPOSE,
// STOPSIGNAL, USER, VOLUME, WORKDIR and RUN's --mount values are expanded; RUN, CMD,
// ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER and ONBUILD are not (the shell expands RUN at run
// time, with the build args in its environment).
//
// History and cache text. `created_by` is what the image history records, in the style of
// Docker's classic builder and buildah:
//   RUN          "/bin/sh -c apk add curl", with the declared build args in effect first:
//                "|2 A=1 B=2 /bin/sh -c make" (sorted; predefined proxy args only if declared;
//                args shadowed by an ENV of the same name left out, as the ENV wins)
//   metadata     "/bin/sh -c #(nop) ENV A=b" with the expanded arguments (ARG shows its
//                definition: "ARG V" or "ARG V=<expanded default>", not a --build-arg value)
//   COPY/ADD     "/bin/sh -c #(nop) COPY --chown=1:1 a b /dest/": the executor replaces the
//                sources with the content summary it computes ("COPY file:<hex> in /dest/")
// `cache_key` is created_by plus one line per flag that changes the result but is not in
// created_by (RUN's --mount/--network/--security/--device) and one per COPY/ADD heredoc
// (its content). Because both texts hold expanded values, a build arg invalidates the cache at
// the first step that uses it (RUN: every step after its declaration, through the |N prefix),
// as Docker documents; the executor adds the parent layer and, for COPY/ADD, the content hash.
//
// Value types; thread-compatible.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/builder/containerfile.hpp"

namespace berth::builder {

enum class StepKind {
  kRun,
  kCmd,
  kEntrypoint,
  kCopy,
  kAdd,
  kEnv,
  kArg,
  kLabel,
  kExpose,
  kVolume,
  kWorkdir,
  kUser,
  kStopSignal,
  kShell,
  kHealthcheck,
  kOnbuild,
  kMaintainer,
};

// The kind for an upper-case keyword other than FROM; kInvalidArgument for FROM or an unknown
// one.
Result<StepKind> StepKindFor(std::string_view keyword);
// "RUN", "COPY", ... (the keyword).
std::string_view StepKindName(StepKind kind);

// Where a stage starts from, or where COPY --from / RUN --mount from= read.
struct SourceRef {
  enum class Kind {
    kContext,  // no --from: the build context (never a stage's base)
    kScratch,  // "scratch": empty
    kStage,    // an earlier stage of the file
    kImage,    // an image reference
  };
  Kind kind = Kind::kContext;
  int stage = -1;     // kStage: the stage's index in the file (StagePlan::index)
  std::string image;  // kImage: the reference as expanded ("alpine:3.19"), not normalised
  bool operator==(const SourceRef&) const = default;
};

struct Step {
  StepKind kind = StepKind::kRun;
  // The instruction as written, for "STEP n/m: <original>" and FILE:LINE messages. For an
  // ONBUILD trigger: the trigger; its line is the ONBUILD line of the base stage, or the
  // stage's FROM line when the trigger came from a base image.
  Instruction instruction;
  bool from_onbuild = false;  // an ONBUILD trigger of the base, run before the stage's own steps

  // The instruction's flags with Docker's expansion applied to their values (COPY --chown,
  // --chmod, --exclude, ADD --checksum, RUN --mount; COPY --from and --mount's from= with the
  // global ARGs only, as they name stages).
  std::vector<Flag> flags;

  // The expanded arguments; which are set depends on the kind:
  //   COPY ADD         words: sources then destination; heredocs: contents expanded unless
  //                    the delimiter was quoted; from: COPY --from
  //   EXPOSE VOLUME    words
  //   ENV LABEL        pairs (all has_value)
  //   ARG              pairs: each name with the value in effect (has_value false: none)
  //   WORKDIR          value: absolute and cleaned, relative to the previous WORKDIR
  //   USER STOPSIGNAL MAINTAINER   value
  //   ONBUILD          value: the trigger text as the image config keeps it ("RUN make")
  //   RUN CMD ENTRYPOINT           argv: exec form as written; shell form as the stage's
  //                    SHELL plus the text ({"/bin/sh", "-c", "make"}); RUN heredocs as
  //                    BuildKit runs them (below)
  //   SHELL            argv: the new shell
  //   HEALTHCHECK      argv: the test as the config keeps it ({"CMD-SHELL", "curl x"},
  //                    {"CMD", ...}, {"NONE"}); the options are in instruction.healthcheck
  std::vector<std::string> words;
  std::vector<KeyValue> pairs;
  std::string value;
  std::vector<std::string> argv;
  std::vector<Heredoc> heredocs;
  SourceRef from;
  // RUN --mount=...,from=<name>: each from= value (as written in the expanded flag) and what
  // it names.
  std::map<std::string, SourceRef> mount_from;
  // RUN whose whole command is one heredoc starting with "#!": the script to write to an
  // executable file and run directly (BuildKit's rule); argv is empty then. Otherwise a RUN
  // with heredocs has them appended to the shell text ("cmd <<EOF\n<body>EOF"), or, when the
  // command is just "<<EOF", the body itself is the shell's script.
  std::string run_script;

  // RUN: the build args in its environment, "K=V", sorted: declared ARGs with a value that no
  // ENV shadows, and predefined proxy args given with --build-arg (declared or not). They are
  // not part of the image config.
  std::vector<std::string> arg_env;

  std::string created_by;
  std::string cache_key;
};

}  // namespace berth::builder
