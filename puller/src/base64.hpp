// Base64 (RFC 4648, standard alphabet, padded) for Basic auth and auth.json entries.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace berth::puller {

std::string Base64Encode(std::string_view data);
// nullopt when `text` is not valid padded base64.
std::optional<std::string> Base64Decode(std::string_view text);
// Percent-encodes everything except RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view text);

}  // namespace berth::puller
