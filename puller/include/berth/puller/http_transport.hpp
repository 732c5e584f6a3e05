// HttpTransport: the seam between the registry client and the network.
//
// The registry client describes each HTTP exchange as an `HttpRequest` and gets back an
// `HttpResponse`; it never follows redirects through the transport (follow_redirects stays
// false) because it must drop `Authorization` when a redirect changes host. Response header
// names are lower-cased. A response body goes to the caller's sink only for 200 and 206
// answers; otherwise (and when no sink is given) it is captured in `body`, bounded by
// `max_body` (kInvalidArgument beyond it: that is how manifests over 4 MiB are refused).
//
// `MakeCurlTransport()` is the real implementation (libcurl, OpenSSL): easy handles reused
// per thread, connections, DNS and TLS sessions shared, HTTP/2 when the server offers it,
// proxies from the standard environment variables (including NO_PROXY). Unit tests use a fake
// that replays canned responses (tests/unit/puller/fake_transport.hpp). Implementations must
// be safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "berth/base/io.hpp"
#include "berth/base/result.hpp"

namespace berth::puller {

// TLS settings for one host (from certs.d, --cert-dir and the insecure setting).
struct TlsOptions {
  bool verify = true;       // false: accept any certificate (insecure registry)
  std::string ca_file;      // extra CA bundle, used in addition to the system CAs
  std::string client_cert;  // PEM client certificate
  std::string client_key;   // PEM key for client_cert
  bool operator==(const TlsOptions&) const = default;
};

inline constexpr uint64_t kMaxManifestBytes = 4ull << 20;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given
  std::optional<std::string> body;  // request body held in memory
  Reader* body_reader = nullptr;    // or streamed from a reader (not owned) ...
  int64_t body_size = -1;           // ... of this many bytes (-1: chunked)
  bool follow_redirects = false;
  uint64_t max_body = kMaxManifestBytes;  // bound on a captured (non-sink) body
  TlsOptions tls;
  // Called once with the status before the first body byte goes to the sink; an error aborts
  // the exchange with that error. Lets a resuming download see 200 (Range ignored) vs 206.
  std::function<Result<void>(int status)> on_sink_start;

  // The value of header `name` (case-insensitive), or empty.
  std::string Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names; repeats joined by ", "
  std::string body;         // captured body (non-2xx answers, or no sink given)
  uint64_t sink_bytes = 0;  // body bytes delivered to the sink

  // The value of header `name` (give it lower-case), or empty.
  std::string Header(std::string_view name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Performs one exchange. Success means an HTTP answer arrived (any status); the body was
  // delivered to `body_sink` (if given and the status is 200/206) or captured. kNetwork
  // naming the host when the connection fails or breaks mid-body (bytes already delivered to
  // the sink stay delivered; the caller may resume with Range); the sink's own error when it
  // refuses data; kInvalidArgument when a captured body exceeds request.max_body.
  virtual Result<HttpResponse> Send(const HttpRequest& request, Writer* body_sink) = 0;
};

// The libcurl transport. Thread-safe; one instance is meant to serve a whole pull.
std::shared_ptr<HttpTransport> MakeCurlTransport();

// "host[:port]" of an http(s) URL, or empty if the URL has no scheme.
std::string UrlHost(std::string_view url);

}  // namespace berth::puller
