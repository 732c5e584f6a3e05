// FakeTransport: canned HTTP answers keyed by "METHOD URL", with every request recorded.
//
// Each key holds a queue of responses; the last one repeats once the queue is down to it.
// A response may be cut short (`cut_after`: deliver that many body bytes to the sink, then
// fail with kNetwork as a reset connection does). Thread-safe.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "berth/puller/http_transport.hpp"

namespace berth::puller::testing {

struct FakeResponse {
  int status = 200;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  long cut_after = -1;  // >= 0: reset the connection after this many body bytes
};

struct RecordedRequest {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return {};
  }
};

class FakeTransport : public HttpTransport {
 public:
  void On(const std::string& method, const std::string& url, FakeResponse r) {
    std::lock_guard<std::mutex> g(mu_);
    routes_[method + " " + url].push_back(std::move(r));
  }

  Result<HttpResponse> Send(const HttpRequest& req, Writer* sink) override {
    FakeResponse r;
    {
      std::lock_guard<std::mutex> g(mu_);
      RecordedRequest rec{req.method, req.url, req.headers, req.body.value_or("")};
      if (req.body_reader != nullptr) {
        auto all = ReadAll(*req.body_reader, 1 << 30);
        if (all) rec.body = *all;
      }
      requests_.push_back(rec);
      auto it = routes_.find(req.method + " " + req.url);
      if (it == routes_.end() || it->second.empty()) {
        r.status = 404;
        r.body = R"({"errors":[{"code":"NOT_FOUND","message":"no fake route"}]})";
      } else {
        r = it->second.front();
        if (it->second.size() > 1) it->second.pop_front();
      }
    }
    HttpResponse resp;
    resp.status = r.status;
    resp.headers = r.headers;
    std::string body = req.method == "HEAD" ? std::string() : r.body;
    bool to_sink = sink != nullptr && (r.status == 200 || r.status == 206);
    if (r.cut_after >= 0) body = body.substr(0, static_cast<size_t>(r.cut_after));
    if (to_sink) {
      if (req.on_sink_start && !body.empty()) BERTH_TRY(req.on_sink_start(r.status));
      if (!body.empty()) BERTH_TRY(sink->Write(AsBytes(body)));
      resp.sink_bytes = body.size();
    } else {
      if (body.size() > req.max_body) {
        return MakeError(ErrorCode::kInvalidArgument, "response body exceeds limit");
      }
      resp.body = body;
    }
    if (r.cut_after >= 0) {
      return MakeError(ErrorCode::kNetwork, req.method + " " + UrlHost(req.url) +
                                                ": connection reset by peer");
    }
    return resp;
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard<std::mutex> g(mu_);
    return requests_;
  }
  // "METHOD URL" of each request, in order.
  std::vector<std::string> Log() const {
    std::lock_guard<std::mutex> g(mu_);
    std::vector<std::string> out;
    for (const auto& r : requests_) out.push_back(r.method + " " + r.url);
    return out;
  }
  int Count(const std::string& method, const std::string& url) const {
    auto log = Log();
    return static_cast<int>(std::count(log.begin(), log.end(), method + " " + url));
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<FakeResponse>> routes_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace berth::puller::testing
