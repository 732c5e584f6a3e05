// Registry error bodies to Errors (see registry_errors.hpp).
#include "registry_errors.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

namespace berth::puller {

namespace {

std::string RegistryMessage(const HttpResponse& resp) {
  try {
    auto j = nlohmann::json::parse(resp.body);
    const auto& errs = j.at("errors");
    if (errs.is_array() && !errs.empty()) {
      const auto& e = errs[0];
      std::string msg = e.contains("message") && e["message"].is_string()
                            ? e["message"].get<std::string>()
                            : std::string();
      if (msg.empty() && e.contains("code") && e["code"].is_string()) {
        msg = e["code"].get<std::string>();
      }
      for (char& c : msg) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!msg.empty()) return msg + " (HTTP " + std::to_string(resp.status) + ")";
    }
  } catch (const std::exception&) {
    // Not a registry error document: fall through to the bare status.
  }
  if (resp.status == 429) return "too many requests (HTTP 429)";
  return "HTTP " + std::to_string(resp.status);
}

}  // namespace

Error ErrorFromResponse(const std::string& what, const HttpResponse& resp) {
  ErrorCode code = ErrorCode::kInvalidArgument;
  if (resp.status == 401) code = ErrorCode::kUnauthorized;
  if (resp.status == 403) code = ErrorCode::kPermissionDenied;
  if (resp.status == 404) code = ErrorCode::kNotFound;
  if (IsRetryableStatus(resp.status)) code = ErrorCode::kNetwork;
  return MakeError(code, what + ": " + RegistryMessage(resp));
}

}  // namespace berth::puller
