// Registry error bodies to Errors (see registry_errors.hpp).
#include "registry_errors.hpp"

#include <cctype>
#include <nlohmann/json.hpp>
#include <vector>

#include "berth/puller/auth.hpp"

namespace berth::puller {

std::string ServerMessage(const HttpResponse& resp) {
  auto j = nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  std::string msg;
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
    const auto& e = j["errors"][0];
    if (e.is_object() && e.contains("message") && e["message"].is_string()) {
      msg = e["message"].get<std::string>();
    }
    if (msg.empty() && e.is_object() && e.contains("code") && e["code"].is_string()) {
      msg = e["code"].get<std::string>();
    }
  } else if (j.is_object() && j.contains("details") && j["details"].is_string()) {
    msg = j["details"].get<std::string>();
  }
  for (char& c : msg) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (msg.size() > 200) msg = msg.substr(0, 200) + "...";
  if (!msg.empty()) return msg + " (HTTP " + std::to_string(resp.status) + ")";
  if (resp.status == 429) return "too many requests (HTTP 429)";
  return "HTTP " + std::to_string(resp.status);
}

Error ErrorFromResponse(const std::string& what, const HttpResponse& resp) {
  ErrorCode code = ErrorCode::kInvalidArgument;
  if (resp.status == 401) code = ErrorCode::kUnauthorized;
  if (resp.status == 403) code = ErrorCode::kPermissionDenied;
  if (resp.status == 404) code = ErrorCode::kNotFound;
  if (IsRetryableStatus(resp.status)) code = ErrorCode::kNetwork;
  if (resp.status == 401) {
    // A token without the rights asked for (anonymous push, as Docker Hub answers it): say
    // what the registry wants, not only "authentication required".
    auto challenges = ParseWwwAuthenticate(resp.Header("www-authenticate"));
    for (const auto& c : challenges ? *challenges : std::vector<Challenge>{}) {
      if (c.Param("error") != "insufficient_scope") continue;
      std::string scope = c.Param("scope");
      bool push = scope.find("push") != std::string::npos;
      return MakeError(code,
                       what + ": " + ServerMessage(resp) + ": insufficient scope, the registry " +
                           "wants " + scope,
                       push ? "pushing needs credentials allowed to push there: berth login, "
                              "or --creds"
                            : "the repository may not exist, or may need credentials");
    }
  }
  return MakeError(code, what + ": " + ServerMessage(resp));
}

}  // namespace berth::puller
