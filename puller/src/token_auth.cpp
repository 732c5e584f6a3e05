// Bearer token flow (distribution token.md) and Basic auth for one registry.
//
// Tokens are cached per scope string until `expires_in` (default and minimum 60 s, as
// containers/image does) minus a small margin, so a long pull fetches a fresh one before the
// old one lapses. With a TokenCache they also outlive the process: a token fetched here is
// stored there, and one found there (unexpired, from the same challenge) is used as if
// fetched; the registry's 401 makes the client drop it (Invalidate).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "base64.hpp"
#include "berth/puller/auth.hpp"
#include "berth/store/digest.hpp"
#include "registry_errors.hpp"

namespace berth::puller {

namespace {

constexpr int64_t kDefaultExpiry = 60;
constexpr int64_t kExpiryMargin = 10;

struct TokenReply {
  std::string token;
  int64_t expires_in = kDefaultExpiry;
};

Result<TokenReply> ParseTokenReply(const std::string& body, const std::string& what) {
  try {
    auto j = nlohmann::json::parse(body);
    TokenReply r;
    if (j.contains("token") && j["token"].is_string()) r.token = j["token"].get<std::string>();
    if (r.token.empty() && j.contains("access_token") && j["access_token"].is_string()) {
      r.token = j["access_token"].get<std::string>();
    }
    if (r.token.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, what + ": no 'token' or 'access_token'");
    }
    if (j.contains("expires_in") && j["expires_in"].is_number()) {
      r.expires_in = std::max<int64_t>(kDefaultExpiry, j["expires_in"].get<int64_t>());
    }
    return r;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, what + ": malformed JSON: " + e.what());
  }
}

std::string TokenUrl(const Challenge& c, const std::string& scope) {
  std::string url = c.Param("realm");
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  if (!c.Param("service").empty()) {
    url += sep + std::string("service=") + UrlEncode(c.Param("service"));
    sep = '&';
  }
  size_t start = 0;
  while (start < scope.size()) {  // one scope= per space-separated scope
    size_t end = scope.find(' ', start);
    if (end == std::string::npos) end = scope.size();
    if (end > start) {
      url += sep + std::string("scope=") + UrlEncode(scope.substr(start, end - start));
      sep = '&';
    }
    start = end + 1;
  }
  return url;
}

}  // namespace

TokenAuth::TokenAuth(std::shared_ptr<HttpTransport> transport, std::string registry,
                     std::optional<Credentials> creds, TlsOptions token_tls, Clock clock,
                     TokenCache cache, std::string host)
    : transport_(std::move(transport)),
      registry_(std::move(registry)),
      creds_(std::move(creds)),
      token_tls_(std::move(token_tls)),
      clock_(std::move(clock)),
      cache_(std::move(cache)),
      host_(host.empty() ? registry_ : std::move(host)) {
  // Only a hash enters the cache key: tokens of other credentials never match it.
  if (creds_) creds_id_ = store::Digest::Of(creds_->username + ":" + creds_->password).hex();
}

void TokenAuth::SetChallenges(std::vector<Challenge> challenges) {
  std::lock_guard<std::mutex> g(mu_);
  challenges_ = std::move(challenges);
}

bool TokenAuth::HasChallenge() const {
  std::lock_guard<std::mutex> g(mu_);
  return !challenges_.empty();
}

void TokenAuth::Invalidate(const std::string& scope) {
  std::lock_guard<std::mutex> g(mu_);
  tokens_.erase(scope);
  cache_.Erase(KeyFor(scope));
}

const Challenge* TokenAuth::BearerLocked() const {
  for (const auto& c : challenges_) {
    if (c.scheme == "bearer") return &c;
  }
  return nullptr;
}

TokenKey TokenAuth::KeyFor(const std::string& scope) const {
  return TokenKey{registry_, host_, scope, creds_id_};
}

std::optional<CachedToken> TokenAuth::LoadLocked(const std::string& scope, const Challenge* bearer,
                                                 int64_t now) {
  auto t = cache_.Load(KeyFor(scope), now);
  if (!t) return std::nullopt;
  if (bearer != nullptr &&
      (t->realm != bearer->Param("realm") || t->service != bearer->Param("service"))) {
    return std::nullopt;  // the registry now sends clients elsewhere for tokens
  }
  tokens_[scope] = Token{t->token, t->expiry};
  return t;
}

bool TokenAuth::UseCached(const std::string& scope) {
  std::lock_guard<std::mutex> g(mu_);
  const Challenge* bearer = BearerLocked();
  if (bearer == nullptr && !challenges_.empty()) return false;  // Basic: no tokens
  int64_t now = clock_();
  if (bearer != nullptr) {
    if (auto it = tokens_.find(scope); it != tokens_.end() && now < it->second.expiry) {
      return true;
    }
  }
  auto t = LoadLocked(scope, bearer, now);
  if (!t) return false;
  if (bearer == nullptr) {
    Challenge c;
    c.scheme = "bearer";
    c.params["realm"] = t->realm;
    if (!t->service.empty()) c.params["service"] = t->service;
    challenges_ = {std::move(c)};
  }
  return true;
}

Result<std::string> TokenAuth::Authorization(const std::string& scope) {
  std::lock_guard<std::mutex> g(mu_);
  const Challenge* bearer = BearerLocked();
  if (bearer == nullptr) {
    bool basic = std::any_of(challenges_.begin(), challenges_.end(),
                             [](const Challenge& c) { return c.scheme == "basic"; });
    if (basic && creds_) {
      return "Basic " + Base64Encode(creds_->username + ":" + creds_->password);
    }
    return std::string();
  }
  int64_t now = clock_();
  if (auto it = tokens_.find(scope); it != tokens_.end() && now < it->second.expiry) {
    return "Bearer " + it->second.value;
  }
  if (auto cached = LoadLocked(scope, bearer, now)) return "Bearer " + cached->token;
  int64_t expiry = 0;
  BERTH_ASSIGN_OR_RETURN(std::string token, FetchToken(*bearer, scope, &expiry));
  tokens_[scope] = Token{token, expiry};
  cache_.Store(KeyFor(scope),
               CachedToken{token, expiry, bearer->Param("realm"), bearer->Param("service")});
  return "Bearer " + token;
}

Result<std::string> TokenAuth::FetchToken(const Challenge& c, const std::string& scope,
                                          int64_t* expiry) {
  std::string what = "fetch token for " + registry_;
  if (c.Param("realm").empty()) {
    return MakeError(ErrorCode::kInvalidArgument, what + ": challenge has no realm");
  }
  HttpRequest req;
  req.url = TokenUrl(c, scope);
  req.tls = token_tls_;
  req.max_body = 1 << 20;
  if (creds_) {
    req.headers.emplace_back("Authorization",
                             "Basic " + Base64Encode(creds_->username + ":" + creds_->password));
  }
  int64_t sent_at = clock_();
  BERTH_ASSIGN_OR_RETURN(HttpResponse resp, transport_->Send(req, nullptr));
  if (resp.status == 401 || resp.status == 403) {
    // Docker Hub says why ("incorrect username or password"); without a body, guess.
    std::string why = ServerMessage(resp);
    if (why.rfind("HTTP ", 0) == 0) {
      why = "token server answered " + why +
            (creds_ ? " (bad credentials?)" : " (credentials required?)");
    }
    return MakeError(ErrorCode::kUnauthorized, "authenticate to " + registry_ + ": " + why);
  }
  if (resp.status != 200) {
    return MakeError(resp.status >= 500 ? ErrorCode::kNetwork : ErrorCode::kInvalidArgument,
                     what + ": token server " + UrlHost(req.url) + " answered HTTP " +
                         std::to_string(resp.status));
  }
  BERTH_ASSIGN_OR_RETURN(TokenReply reply, ParseTokenReply(resp.body, what));
  *expiry = sent_at + reply.expires_in - kExpiryMargin;
  return reply.token;
}

}  // namespace berth::puller
