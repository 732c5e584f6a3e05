// The `--name[=value]` flags at the front of an instruction's arguments: splitting them off
// as BuildKit does, and checking them against what each instruction accepts.
// Stateless and thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/builder/containerfile.hpp"

namespace berth::builder {

struct FlagsAndRest {
  std::vector<Flag> flags;
  std::string_view rest;  // the text after the flags, trimmed
};

// Splits off the words that start with "--" at the front of `args`. In a flag word quotes
// group (and are removed) and a backslash makes the next character literal. A word "--" alone
// ends the flags and is dropped. Never fails.
FlagsAndRest SplitFlags(std::string_view args);

// Checks `flags` against the flags `keyword` takes (upper case):
//   FROM        --platform
//   RUN         --mount (repeatable) --network --security --device (repeatable)
//   COPY        --from --chown --chmod --link --parents --exclude (repeatable)
//   ADD         --chown --chmod --checksum --link --keep-git-dir --unpack --parents --exclude
//   HEALTHCHECK --interval --timeout --start-period --start-interval --retries
// and none for the others. A boolean flag (link, parents, keep-git-dir, unpack) may stand alone
// or be =true/=false; any other flag needs "=value"; only repeatable flags may be repeated.
// Fails with kInvalidArgument: "unknown flag: --x", "duplicate flag specified: --x",
// "missing a value on flag: --x", "expecting boolean value for flag --x, not: y".
Result<void> CheckFlags(std::string_view keyword, const std::vector<Flag>& flags);

}  // namespace berth::builder
