// RegistryClient request machinery (auth, redirects, retries) and manifest calls.
#include "berth/puller/registry_client.hpp"

#include <strings.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "berth/store/oci.hpp"
#include "curl_api.hpp"
#include "registry_errors.hpp"

namespace berth::puller {

namespace {

constexpr int kMaxRedirects = 10;

std::string Accept() {
  return std::string(store::media::kOciIndex) + ", " +
         std::string(store::media::kDockerManifestList) + ", " +
         std::string(store::media::kOciManifest) + ", " +
         std::string(store::media::kDockerManifest);
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Resolves a Location header against the URL it came from.
std::string ResolveLocation(const std::string& base, const std::string& loc) {
  if (loc.find("://") != std::string::npos) return loc;
  auto scheme = base.find("://");
  std::string origin = base.substr(0, base.find('/', scheme + 3));
  if (!loc.empty() && loc[0] == '/') return origin + loc;
  return base.substr(0, base.rfind('/') + 1) + loc;
}

// Milliseconds a Retry-After value asks for (delta-seconds or an HTTP date); -1 if absent.
int64_t RetryAfterMs(const std::string& value, int64_t now) {
  if (value.empty()) return -1;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::stoll(value.substr(0, 9)) * 1000;
  }
  time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return -1;
  return std::max<int64_t>(0, (static_cast<int64_t>(when) - now) * 1000);
}

std::string MediaTypeOf(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t;
}

// "" when `text` is valid JSON, else the parser's complaint.
std::string JsonSyntaxError(const std::string& text) {
  if (nlohmann::json::accept(text)) return {};
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    return {};
  } catch (const nlohmann::json::exception& e) {
    std::string msg = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    auto close = msg.find("] ");
    if (msg.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
      msg = msg.substr(close + 2);
    }
    return msg;
  }
}

}  // namespace

RegistryClient::RegistryClient(RegistryClientOptions options) : options_(std::move(options)) {
  plain_http_ = options_.endpoint.plain_http;
  if (!options_.clock) options_.clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
  if (!options_.retry.sleep) {
    options_.retry.sleep = [](int64_t ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    };
  }
  auth_ = std::make_unique<TokenAuth>(options_.transport, options_.endpoint.registry,
                                      options_.creds, options_.endpoint.tls, options_.clock,
                                      TokenCache(options_.token_cache_dir), options_.endpoint.host);
}

std::string RegistryClient::BaseUrl() const {
  return (plain_http_ ? "http://" : "https://") + options_.endpoint.host;
}

std::string RegistryClient::ScopeFor(const std::string& repo) const {
  if (!push_scope_.empty() && repo == push_repo_) return push_scope_;
  return "repository:" + repo + ":pull";
}

void RegistryClient::SetPushScope(const std::string& repo,
                                  const std::vector<std::string>& mount_from) {
  push_repo_ = repo;
  push_scope_ = "repository:" + repo + ":pull,push";
  for (const auto& src : mount_from) {
    if (src != repo) push_scope_ += " repository:" + src + ":pull";
  }
}

Result<HttpResponse> RegistryClient::SendFollowing(HttpRequest req, Writer* sink) {
  for (int hop = 0;; ++hop) {
    BERTH_ASSIGN_OR_RETURN(HttpResponse resp, options_.transport->Send(req, sink));
    std::string location = resp.Header("location");
    if (!IsRedirect(resp.status) || location.empty()) return resp;
    if (hop == kMaxRedirects) {
      return MakeError(ErrorCode::kNetwork, req.method + " " + req.url + ": too many redirects");
    }
    std::string next = ResolveLocation(req.url, location);
    if (UrlHost(next) != UrlHost(req.url)) {
      // Never forward credentials across hosts (distribution-spec; CDNs reject them).
      std::erase_if(req.headers, [](const auto& h) {
        return h.first.size() == 13 && strncasecmp(h.first.c_str(), "authorization", 13) == 0;
      });
    }
    if (resp.status == 303) {
      req.method = "GET";
      req.body.reset();
      req.body_reader = nullptr;
    }
    req.url = next;
  }
}

Result<void> RegistryClient::Ping() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (pinged_) return Ok();
  }
  std::string what = "ping " + options_.endpoint.host;
  auto request = [&]() -> Result<HttpRequest> {
    HttpRequest r;
    r.url = BaseUrl() + "/v2/";
    r.tls = options_.endpoint.tls;
    r.max_body = 1 << 20;
    return r;
  };
  std::optional<Error> https_error;
  if (options_.endpoint.http_fallback && !plain_http_) {
    // One HTTPS try (no retries: a plain-HTTP server fails the handshake every time).
    // A registry answers /v2/ with 200 or 401; anything else is not one (containers/image).
    auto https = SendOnce(*request(), "", nullptr);
    if (https && (https->status == 200 || https->status == 401)) return Pinged(*https);
    https_error = https ? MakeError(ErrorCode::kNetwork, "HTTP " + std::to_string(https->status))
                        : std::move(https).error();
    plain_http_ = true;
  }
  auto resp = Execute(request, "", nullptr);
  if (!resp && https_error) {
    return std::move(resp).error().Context(what + " (over HTTPS: " + https_error->message + ")");
  }
  if (!resp) return std::move(resp).error().Context(what);
  return Pinged(*resp);
}

bool RegistryClient::WasPinged() {
  std::lock_guard<std::mutex> g(mu_);
  return pinged_;
}

Result<void> RegistryClient::PingUnlessCached(const std::string& scope) {
  if (WasPinged()) return Ok();
  // An insecure registry's first ping decides between HTTPS and plain HTTP: never skipped.
  if (!options_.endpoint.http_fallback && auth_->UseCached(scope)) return Ok();
  return Ping();
}

Result<void> RegistryClient::Pinged(const HttpResponse& ping) {
  if (ping.status == 401) {
    auto challenges = ParseWwwAuthenticate(ping.Header("www-authenticate"));
    if (challenges) auth_->SetChallenges(std::move(*challenges));
  }
  std::lock_guard<std::mutex> g(mu_);
  pinged_ = true;
  return Ok();
}

Result<HttpResponse> RegistryClient::SendOnce(HttpRequest req, const std::string& scope,
                                              Writer* sink) {
  if (scope.empty()) return SendFollowing(std::move(req), sink);  // the ping itself
  BERTH_ASSIGN_OR_RETURN(std::string auth, auth_->Authorization(scope));
  HttpRequest first = req;
  if (!auth.empty()) first.headers.emplace_back("Authorization", auth);
  BERTH_ASSIGN_OR_RETURN(HttpResponse resp, SendFollowing(first, sink));
  if (resp.status != 401 || req.body_reader != nullptr) return resp;
  // The token expired or lacked scope, or the registry wants auth the ping did not announce:
  // take its challenge, fetch a fresh token once and try again. With insufficient_scope the
  // challenge names the scope the registry wants: ask for that one.
  std::string retry_scope = scope;
  auto ch = ParseWwwAuthenticate(resp.Header("www-authenticate"));
  if (ch) {
    for (const auto& c : *ch) {
      if (c.scheme == "bearer" && c.Param("error") == "insufficient_scope" &&
          !c.Param("scope").empty()) {
        retry_scope = c.Param("scope");
      }
    }
    auth_->SetChallenges(std::move(*ch));
  }
  auth_->Invalidate(scope);
  if (retry_scope != scope) auth_->Invalidate(retry_scope);
  // A 401 without a challenge to a request sent with a cached token (no ping yet): the
  // challenge that token came from may be stale, so ask the registry for its current one.
  if (!ch && !WasPinged()) BERTH_TRY(Ping());
  BERTH_ASSIGN_OR_RETURN(std::string fresh, auth_->Authorization(retry_scope));
  if (fresh.empty()) return resp;
  req.headers.emplace_back("Authorization", fresh);
  return SendFollowing(std::move(req), sink);
}

Result<HttpResponse> RegistryClient::Execute(const std::function<Result<HttpRequest>()>& build,
                                             const std::string& scope, Writer* sink,
                                             const std::function<bool(const Error&)>& retry_error) {
  const RetryPolicy& p = options_.retry;
  // The ping retries on its own; doing it here keeps its failure out of this retry loop.
  if (!scope.empty()) BERTH_TRY(PingUnlessCached(scope));
  int64_t slept = 0;
  int64_t backoff = p.initial_backoff_ms;
  for (int attempt = 1;; ++attempt) {
    BERTH_ASSIGN_OR_RETURN(HttpRequest req, build());
    std::string what = req.method + " " + req.url;
    auto r = SendOnce(req, scope, sink);
    int64_t delay = backoff;
    std::optional<Error> failure;
    if (r) {
      if (r->status == 401 && !scope.empty()) {
        return ErrorFromResponse("authenticate to " + options_.endpoint.registry, *r);
      }
      if (!IsRetryableStatus(r->status)) return r;
      failure = ErrorFromResponse(what, *r);
      int64_t after = RetryAfterMs(r->Header("retry-after"), options_.clock());
      if (after >= 0) delay = after;
    } else {
      bool retryable =
          r.error().code == ErrorCode::kNetwork || (retry_error && retry_error(r.error()));
      if (!retryable) return std::move(r).error();
      failure = std::move(r).error();
    }
    if (attempt >= p.max_attempts || slept + delay > p.max_total_ms) {
      failure->message += " (gave up after " + std::to_string(attempt) +
                          (attempt == 1 ? " attempt)" : " attempts)");
      return *std::move(failure);
    }
    p.sleep(delay);
    slept += delay;
    backoff *= 2;
  }
}

Result<HttpRequest> RegistryClient::ManifestRequest(const std::string& method,
                                                    const std::string& repo,
                                                    const std::string& ref) const {
  HttpRequest r;
  r.method = method;
  r.url = BaseUrl() + "/v2/" + repo + "/manifests/" + ref;
  r.headers.emplace_back("Accept", Accept());  // all four types, or distribution 404s
  r.tls = options_.endpoint.tls;
  return r;
}

Result<FetchedManifest> RegistryClient::GetManifest(const std::string& repo, const std::string& ref,
                                                    const std::optional<store::Digest>& expected) {
  std::string what = "fetch manifest " + repo + (ref.rfind("sha256:", 0) == 0 ? "@" : ":") + ref;
  auto resp = Execute([&] { return ManifestRequest("GET", repo, ref); }, ScopeFor(repo), nullptr);
  if (!resp) return std::move(resp).error().Context(what);
  if (resp->status != 200) return ErrorFromResponse(what, *resp);
  FetchedManifest m;
  m.bytes = std::move(resp->body);
  m.digest = store::Digest::Of(m.bytes);
  m.media_type = MediaTypeOf(resp->Header("content-type"));
  std::string declared = store::DetectMediaType(m.bytes);
  bool schema1 =
      [](const std::string& t) {
        return t == store::media::kDockerSchema1 || t == store::media::kDockerSchema1Signed;
      }(m.media_type) ||
      declared == store::media::kDockerSchema1 || declared == store::media::kDockerSchema1Signed;
  if (schema1) {
    return MakeError(ErrorCode::kUnsupported,
                     what +
                         ": docker schema1 manifests are not supported (deprecated format; "
                         "re-push the image with a current client)");
  }
  if (!store::media::IsIndex(m.media_type) && !store::media::IsManifest(m.media_type)) {
    m.media_type = declared;
  }
  if (!store::media::IsIndex(m.media_type) && !store::media::IsManifest(m.media_type)) {
    if (auto syntax = JsonSyntaxError(m.bytes); !syntax.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, what + ": malformed JSON: " + syntax);
    }
    return MakeError(ErrorCode::kUnsupported,
                     what + ": unsupported manifest media type '" + m.media_type + "'");
  }
  std::optional<store::Digest> want = expected;
  if (!want && ref.rfind("sha256:", 0) == 0) {
    BERTH_ASSIGN_OR_RETURN(want, store::Digest::Parse(ref));
  }
  if (want && *want != m.digest) {
    return MakeError(ErrorCode::kDigestMismatch, what + ": digest mismatch: expected " +
                                                     want->String() + ", got " + m.digest.String());
  }
  return m;
}

Result<store::Digest> RegistryClient::HeadManifest(const std::string& repo,
                                                   const std::string& ref) {
  std::string what = "check manifest " + repo + ":" + ref;
  auto resp = Execute([&] { return ManifestRequest("HEAD", repo, ref); }, ScopeFor(repo), nullptr);
  if (!resp) return std::move(resp).error().Context(what);
  if (resp->status != 200) return ErrorFromResponse(what, *resp);
  auto d = store::Digest::Parse(resp->Header("docker-content-digest"));
  if (!d) return std::move(d).error().Context(what + ": Docker-Content-Digest");
  return *d;
}

}  // namespace berth::puller
