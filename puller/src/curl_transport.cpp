// libcurl implementation of HttpTransport.
//
// Each thread keeps one CURL easy handle (reset between requests, so its connection cache
// survives) and all handles share a CURLSH holding connections, DNS and TLS sessions. libcurl
// reads http_proxy / https_proxy / all_proxy / no_proxy from the environment itself; NO_PROXY
// is looked up in both cases and passed explicitly because libcurl only reads the lower-case
// form.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "berth/puller/http_transport.hpp"
#include "curl_api.hpp"

namespace berth::puller {

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return v;
    }
  }
  return {};
}

std::string HttpResponse::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string UrlHost(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  return std::string(rest);
}

namespace {

struct ShareDeleter {
  void operator()(CURLSH* s) const { curl_share_cleanup(s); }
};
struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

class CurlTransport : public HttpTransport {
 public:
  CurlTransport() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    share_.reset(curl_share_init());
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_.get(), CURLSHOPT_LOCKFUNC, &Lock);
    curl_share_setopt(share_.get(), CURLSHOPT_UNLOCKFUNC, &Unlock);
    curl_share_setopt(share_.get(), CURLSHOPT_USERDATA, this);
  }
  ~CurlTransport() override {
    std::lock_guard<std::mutex> g(handles_mu_);
    handles_.clear();  // easy handles must go before the share
  }

  Result<HttpResponse> Send(const HttpRequest& request, Writer* body_sink) override;

 private:
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<CurlTransport*>(self)->locks_[data % kLocks].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<CurlTransport*>(self)->locks_[data % kLocks].unlock();
  }
  CURL* HandleForThisThread();

  static constexpr int kLocks = CURL_LOCK_DATA_LAST;
  std::unique_ptr<CURLSH, ShareDeleter> share_;
  std::mutex locks_[kLocks];
  std::mutex handles_mu_;
  std::map<std::thread::id, std::unique_ptr<CURL, EasyDeleter>> handles_;
};

// State shared with libcurl's callbacks during one Send.
struct Exchange {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  Writer* sink = nullptr;
  HttpResponse response;
  std::optional<Error> sink_error;
  bool too_large = false;
  bool sink_started = false;
  size_t body_pos = 0;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    ex->response.headers.clear();  // a new response (after 100 Continue)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string value(line.substr(colon + 1));
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.erase(value.begin());
  }
  auto& slot = ex->response.headers[name];
  slot = slot.empty() ? value : slot + ", " + value;
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &status);
  if (ex->sink != nullptr && (status == 200 || status == 206)) {
    if (!ex->sink_started) {
      ex->sink_started = true;
      if (ex->request->on_sink_start) {
        auto r = ex->request->on_sink_start(static_cast<int>(status));
        if (!r) {
          ex->sink_error = std::move(r).error();
          return 0;
        }
      }
    }
    auto r = ex->sink->Write({reinterpret_cast<const std::byte*>(data), len});
    if (!r) {
      ex->sink_error = std::move(r).error();
      return 0;  // aborts the transfer
    }
    ex->response.sink_bytes += len;
    return len;
  }
  if (ex->response.body.size() + len > ex->request->max_body) {
    ex->too_large = true;
    return 0;
  }
  ex->response.body.append(data, len);
  return len;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t len = size * n;
  if (ex->request->body) {
    const std::string& b = *ex->request->body;
    size_t take = std::min(len, b.size() - ex->body_pos);
    std::memcpy(buf, b.data() + ex->body_pos, take);
    ex->body_pos += take;
    return take;
  }
  auto r = ex->request->body_reader->Read({reinterpret_cast<std::byte*>(buf), len});
  if (!r) {
    ex->sink_error = std::move(r).error();
    return CURL_READFUNC_ABORT;
  }
  return *r;
}

std::string EnvAny(const char* a, const char* b) {
  if (const char* v = std::getenv(a); v != nullptr && *v != '\0') return v;
  if (const char* v = std::getenv(b); v != nullptr && *v != '\0') return v;
  return {};
}

void ApplyOptions(CURL* c, const HttpRequest& req, Exchange& ex, curl_slist* headers) {
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);  // under 1 B/s ...
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);  // ... for a minute: give up
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, req.follow_redirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "berth/0.1");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex);
  if (std::string np = EnvAny("no_proxy", "NO_PROXY"); !np.empty()) {
    curl_easy_setopt(c, CURLOPT_NOPROXY, np.c_str());  // copied by libcurl
  }
  if (!req.tls.verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  // CAINFO replaces the default bundle file but the default CA path (/etc/ssl/certs) stays, so
  // the system CAs are still trusted.
  if (!req.tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, req.tls.ca_file.c_str());
  if (!req.tls.client_cert.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, req.tls.client_cert.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, req.tls.client_key.c_str());
  }
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  if (req.body || req.body_reader != nullptr) {
    int64_t size = req.body ? static_cast<int64_t>(req.body->size()) : req.body_size;
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &OnRead);
    curl_easy_setopt(c, CURLOPT_READDATA, &ex);
    if (size >= 0) curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  }
}

// "connect 127.0.0.1:5000: connection refused" from libcurl's code and text.
Error CurlError(CURL* c, const HttpRequest& req, CURLcode code, const char* detail) {
  std::string host = UrlHost(req.url);
  std::string what = (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
                      code == CURLE_OPERATION_TIMEDOUT)
                         ? "connect " + host
                         : req.method + " " + host;
  std::string cause = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  long os_errno = 0;
  curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
  if (code == CURLE_COULDNT_CONNECT && os_errno != 0) {
    cause = std::strerror(static_cast<int>(os_errno));  // "Connection refused"
  }
  std::transform(cause.begin(), cause.end(), cause.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
      code == CURLE_SSL_CERTPROBLEM) {
    // The same certificate fails every time: not worth a retry.
    Error e = MakeError(ErrorCode::kPermissionDenied, what + ": " + cause);
    e.hint = "trust the registry's CA with --cert-dir or certs.d, or use --tls-verify=false";
    return e;
  }
  return MakeError(ErrorCode::kNetwork, what + ": " + cause);
}

CURL* CurlTransport::HandleForThisThread() {
  std::lock_guard<std::mutex> g(handles_mu_);
  auto& h = handles_[std::this_thread::get_id()];
  if (!h) {
    h.reset(curl_easy_init());
  } else {
    curl_easy_reset(h.get());  // keeps the connection cache
  }
  curl_easy_setopt(h.get(), CURLOPT_SHARE, share_.get());
  return h.get();
}

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request, Writer* body_sink) {
  CURL* c = HandleForThisThread();
  if (c == nullptr) return MakeError(ErrorCode::kInternal, "init libcurl: out of memory");
  Exchange ex;
  ex.curl = c;
  ex.request = &request;
  ex.sink = body_sink;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const auto& [k, v] : request.headers) {
    std::string line = k + ": " + v;
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  }
  if (request.body || request.body_reader != nullptr) {
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
  }
  char detail[CURL_ERROR_SIZE] = {0};
  ApplyOptions(c, request, ex, headers.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  if (ex.sink_error) return *std::move(ex.sink_error);
  if (ex.too_large) {
    return MakeError(ErrorCode::kInvalidArgument, "read " + request.url +
                                                      ": response body exceeds " +
                                                      std::to_string(request.max_body) + " bytes");
  }
  if (rc != CURLE_OK) return CurlError(c, request, rc, detail);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  ex.response.status = static_cast<int>(status);
  return std::move(ex.response);
}

}  // namespace

std::shared_ptr<HttpTransport> MakeCurlTransport() { return std::make_shared<CurlTransport>(); }

}  // namespace berth::puller
