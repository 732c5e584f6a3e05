// The text of a step in the image history (created_by) and in the build cache key; the format
// is described in plan_step.hpp. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/builder/plan_step.hpp"

namespace berth::builder {

// Go's strconv.Quote for the characters that occur in commands: "a\"b\n" for a"b<newline>.
std::string GoQuote(std::string_view text);
// Go's %q of a []string: ["a" "b"].
std::string GoQuoteList(const std::vector<std::string>& items);

// The instruction part of a metadata step's history, from the step's expanded fields:
// "ENV A=b", "CMD [\"a\" \"b\"]", "VOLUME [/data]", "COPY --chown=1 a /b/". ARG is not
// handled here (its history shows the definition, which the step does not keep).
std::string MetadataText(const Step& step);

// "/bin/sh -c #(nop) " + `text`.
std::string NopCreatedBy(std::string_view text);

// RUN's history: "|N K=V ... " (when `history_args` is not empty) + the argv joined with
// spaces, or for a shebang heredoc script, the shell text then the script on the next lines.
std::string RunCreatedBy(const Step& step, const std::vector<std::string>& history_args);

// created_by plus the lines that make a difference to the result but are not in it: RUN's
// flags ("--mount=..."), COPY/ADD heredoc contents.
std::string CacheKeyText(const Step& step);

}  // namespace berth::builder
