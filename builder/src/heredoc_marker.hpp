// Heredoc markers ("<<EOF", "<<-EOF", "<<'EOF'", "3<<EOF") in an instruction's words, found
// as BuildKit finds them. The parser reads the bodies; this only recognises the openings.
// Stateless and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/builder/containerfile.hpp"

namespace berth::builder {

// The heredoc that `word` opens (content empty), or nullopt. A marker is digits (the fd), "<<",
// an optional "-", then a delimiter of one shell word without '<'; the delimiter's name has its
// quotes removed, and any quoting turns expansion of the body off.
std::optional<Heredoc> ParseHeredocMarker(std::string_view word);

// The heredocs opened by the words of `line` (split as a shell would, quotes kept), in order.
// "cat<<EOF" opens none: the marker must start a word, as in BuildKit.
std::vector<Heredoc> HeredocMarkersInLine(std::string_view line);

// `content` with the leading tabs of every line removed (the <<- form).
std::string StripLeadingTabs(std::string_view content);

}  // namespace berth::builder
