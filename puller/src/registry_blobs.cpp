// RegistryClient blob, mount, manifest-push and tag-list calls (uploads: registry_upload.cpp).
#include <nlohmann/json.hpp>

#include "berth/puller/registry_client.hpp"
#include "registry_errors.hpp"

namespace berth::puller {

namespace {

// Counts what reaches the caller's sink so a retry knows where to resume.
class CountingSink : public Writer {
 public:
  CountingSink(ResumableSink& sink, uint64_t* offset) : sink_(sink), offset_(offset) {}
  Result<void> Write(std::span<const std::byte> data) override {
    BERTH_TRY(sink_.Write(data));
    *offset_ += data.size();
    return Ok();
  }

 private:
  ResumableSink& sink_;
  uint64_t* offset_;
};

}  // namespace

Result<void> RegistryClient::GetBlob(const std::string& repo, const store::Digest& digest,
                                     ResumableSink& sink, uint64_t offset) {
  std::string what = "fetch blob " + digest.String();
  CountingSink counting(sink, &offset);
  auto resp = Execute(
      [&]() -> Result<HttpRequest> {
        HttpRequest r;
        r.url = BaseUrl() + "/v2/" + repo + "/blobs/" + digest.String();
        r.tls = options_.endpoint.tls;
        r.max_body = 64 << 10;  // error bodies only; the blob goes to the sink
        uint64_t sent = offset;
        if (sent > 0) r.headers.emplace_back("Range", "bytes=" + std::to_string(sent) + "-");
        r.on_sink_start = [&offset, &sink, sent](int status) -> Result<void> {
          if (sent > 0 && status == 200) {  // Range ignored: the body starts at byte 0
            offset = 0;
            return sink.Restart();
          }
          return Ok();
        };
        return r;
      },
      ScopeFor(repo), &counting);
  if (!resp) return std::move(resp).error().Context(what);
  if (resp->status != 200 && resp->status != 206) return ErrorFromResponse(what, *resp);
  return Ok();
}

Result<bool> RegistryClient::HasBlob(const std::string& repo, const store::Digest& digest) {
  std::string what = "check blob " + digest.String();
  auto resp = Execute(
      [&]() -> Result<HttpRequest> {
        HttpRequest r;
        r.method = "HEAD";
        r.url = BaseUrl() + "/v2/" + repo + "/blobs/" + digest.String();
        r.tls = options_.endpoint.tls;
        return r;
      },
      ScopeFor(repo), nullptr);
  if (!resp) return std::move(resp).error().Context(what);
  if (resp->status == 200) return true;
  if (resp->status == 404) return false;
  return ErrorFromResponse(what, *resp);
}

Result<bool> RegistryClient::MountBlob(const std::string& repo, const store::Digest& digest,
                                       const std::string& from_repo) {
  std::string what = "mount blob " + digest.String() + " from " + from_repo;
  auto resp = Execute(
      [&]() -> Result<HttpRequest> {
        HttpRequest r;
        r.method = "POST";
        r.url = BaseUrl() + "/v2/" + repo + "/blobs/uploads/?mount=" + digest.String() +
                "&from=" + from_repo;
        r.body = std::string();
        r.tls = options_.endpoint.tls;
        return r;
      },
      ScopeFor(repo), nullptr);
  if (!resp) return std::move(resp).error().Context(what);
  if (resp->status == 201) return true;
  if (resp->status != 202) return ErrorFromResponse(what, *resp);
  // The registry opened an upload session instead; cancel it (as containers/image does).
  std::string loc = resp->Header("location");
  if (!loc.empty()) {
    HttpRequest del;
    del.method = "DELETE";
    del.url = loc.find("://") != std::string::npos ? loc : BaseUrl() + loc;
    del.tls = options_.endpoint.tls;
    (void)SendOnce(del, ScopeFor(repo), nullptr);  // best effort; the session expires anyway
  }
  return false;
}

Result<store::Digest> RegistryClient::PutManifest(const std::string& repo, const std::string& ref,
                                                  const std::string& bytes,
                                                  const std::string& media_type) {
  std::string what = "push manifest " + repo + ":" + ref;
  auto resp = Execute(
      [&]() -> Result<HttpRequest> {
        HttpRequest r;
        r.method = "PUT";
        r.url = BaseUrl() + "/v2/" + repo + "/manifests/" + ref;
        r.headers.emplace_back("Content-Type", media_type);
        r.body = bytes;
        r.tls = options_.endpoint.tls;
        return r;
      },
      ScopeFor(repo), nullptr);
  if (!resp) return std::move(resp).error().Context(what);
  if (resp->status != 201 && resp->status != 200) return ErrorFromResponse(what, *resp);
  return store::Digest::Of(bytes);
}

Result<std::vector<std::string>> RegistryClient::ListTags(const std::string& repo) {
  std::string what = "list tags of " + repo;
  std::vector<std::string> tags;
  std::string url = BaseUrl() + "/v2/" + repo + "/tags/list";
  for (int page = 0; page < 1000 && !url.empty(); ++page) {
    auto resp = Execute(
        [&]() -> Result<HttpRequest> {
          HttpRequest r;
          r.url = url;
          r.tls = options_.endpoint.tls;
          return r;
        },
        ScopeFor(repo), nullptr);
    if (!resp) return std::move(resp).error().Context(what);
    if (resp->status != 200) return ErrorFromResponse(what, *resp);
    try {
      auto j = nlohmann::json::parse(resp->body);
      if (j.contains("tags") && j["tags"].is_array()) {
        for (const auto& t : j["tags"]) {
          if (t.is_string()) tags.push_back(t.get<std::string>());
        }
      } else if (j.contains("tags") && !j["tags"].is_null()) {
        return MakeError(ErrorCode::kInvalidArgument, what + ": field 'tags' is not an array");
      }
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInvalidArgument, what + ": malformed JSON: " + e.what());
    }
    // Link: </v2/<repo>/tags/list?n=..&last=..>; rel="next"
    std::string link = resp->Header("link");
    auto lt = link.find('<');
    auto gt = link.find('>');
    url = (lt != std::string::npos && gt != std::string::npos && gt > lt)
              ? BaseUrl() + link.substr(lt + 1, gt - lt - 1)
              : std::string();
  }
  return tags;
}

}  // namespace berth::puller
