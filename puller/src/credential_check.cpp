// RegistryClient::CheckCredentials: what `login` asks of a registry before saving anything.
//
// As containers/image's CheckAuth does: ping /v2/ for the challenge; for Bearer, get a token
// from the token server with the credentials and no scope (a token that proves who you are
// and grants nothing), for Basic send them as they are; then GET /v2/ with that
// Authorization. A token server that refuses the credentials says why (Docker Hub:
// "incorrect username or password"), and that is the error.
#include "berth/puller/registry_client.hpp"
#include "registry_errors.hpp"

namespace berth::puller {

Result<void> RegistryClient::CheckCredentials() {
  BERTH_TRY(Ping());
  BERTH_ASSIGN_OR_RETURN(std::string auth, auth_->Authorization(""));
  HttpRequest r;
  r.url = BaseUrl() + "/v2/";
  r.tls = options_.endpoint.tls;
  r.max_body = 1 << 20;
  if (!auth.empty()) r.headers.emplace_back("Authorization", auth);
  auto resp = SendFollowing(std::move(r), nullptr);
  if (!resp) return std::move(resp).error().Context("ping " + options_.endpoint.host);
  if (resp->status == 200) return Ok();
  return ErrorFromResponse("authenticate to " + options_.endpoint.registry, *resp);
}

}  // namespace berth::puller
