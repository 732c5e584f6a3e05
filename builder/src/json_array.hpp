// Exec-form detection: is an instruction's argument text a JSON array of strings?
// Stateless and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::builder {

// The strings of the JSON array that `text` starts with (after leading whitespace), or nullopt
// when it does not start with a valid JSON array (the shell form). As Docker's decoder, text
// after the array's closing bracket is ignored. Fails with kInvalidArgument ("when using JSON
// array syntax, arrays must be comprised of strings only") for a valid array holding anything
// but strings.
Result<std::optional<std::vector<std::string>>> ParseJsonStringArray(std::string_view text);

}  // namespace berth::builder
