// Turning registry answers into berth Errors (private to the puller).
#pragma once

#include <string>

#include "berth/base/error.hpp"
#include "berth/puller/http_transport.hpp"

namespace berth::puller {

// "<what>: <cause>" where cause is the registry's own message from an error body
// ({"errors":[{"code":..,"message":..}]}) or "HTTP <status>". Codes: 401 kUnauthorized,
// 403 kPermissionDenied, 404 kNotFound, 429 and 5xx kNetwork, else kInvalidArgument.
Error ErrorFromResponse(const std::string& what, const HttpResponse& resp);

// The server's own words for a failed answer, lower-cased, with the status: the first of a
// distribution error body's messages, or a token server's {"details": ...} (Docker Hub's
// auth), else "HTTP <status>".
std::string ServerMessage(const HttpResponse& resp);

// True for answers worth retrying: 429 and 5xx.
inline bool IsRetryableStatus(int status) { return status == 429 || status >= 500; }

}  // namespace berth::puller
