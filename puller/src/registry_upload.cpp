// RegistryClient blob upload (distribution-spec "Pushing blobs"): an upload session (POST),
// then either one monolithic PUT ?digest= with the whole body, or, for blobs larger than the
// chunk size, PATCH requests of `Content-Range: start-end` (inclusive) that each follow the
// Location the registry answered with, closed by a PUT ?digest= with an empty body.
#include <algorithm>

#include "berth/puller/registry_client.hpp"
#include "registry_errors.hpp"

namespace berth::puller {

namespace {

std::string WithQuery(const std::string& url, const std::string& query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

// At most `limit` bytes of `in` (one chunk of a blob).
class LimitedReader : public Reader {
 public:
  LimitedReader(std::unique_ptr<Reader> in, uint64_t limit) : in_(std::move(in)), left_(limit) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    if (left_ == 0) return size_t{0};
    BERTH_ASSIGN_OR_RETURN(size_t n, in_->Read(buf.first(std::min<uint64_t>(buf.size(), left_))));
    left_ -= n;
    return n;
  }

 private:
  std::unique_ptr<Reader> in_;
  uint64_t left_;
};

// The end offset of a "Range: 0-N" answer (some registries write "bytes=0-N"), or -1.
int64_t RangeEnd(const std::string& range) {
  auto dash = range.rfind('-');
  if (dash == std::string::npos || dash + 1 >= range.size()) return -1;
  int64_t end = 0;
  for (char c : range.substr(dash + 1)) {
    if (c < '0' || c > '9') return -1;
    end = end * 10 + (c - '0');
  }
  return end;
}

}  // namespace

std::string RegistryClient::AbsoluteUrl(const std::string& location) const {
  return location.find("://") != std::string::npos ? location : BaseUrl() + location;
}

Result<std::string> RegistryClient::StartUpload(const std::string& repo) {
  auto start = Execute(
      [&]() -> Result<HttpRequest> {
        HttpRequest r;
        r.method = "POST";
        r.url = BaseUrl() + "/v2/" + repo + "/blobs/uploads/";
        r.body = std::string();
        r.tls = options_.endpoint.tls;
        return r;
      },
      ScopeFor(repo), nullptr);
  if (!start) return std::move(start).error();
  if (start->status != 202) return ErrorFromResponse("start upload", *start);
  std::string loc = start->Header("location");
  if (loc.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "upload session without Location");
  }
  return AbsoluteUrl(loc);
}

Result<std::string> RegistryClient::PatchChunk(const std::string& repo, const std::string& loc,
                                               uint64_t start, uint64_t len,
                                               const BlobOpener& open) {
  std::string range = std::to_string(start) + "-" + std::to_string(start + len - 1);
  std::unique_ptr<Reader> body;
  auto resp = Execute(
      [&]() -> Result<HttpRequest> {
        BERTH_ASSIGN_OR_RETURN(auto in, open(start));
        body = std::make_unique<LimitedReader>(std::move(in), len);
        HttpRequest r;
        r.method = "PATCH";
        r.url = loc;
        r.headers.emplace_back("Content-Type", "application/octet-stream");
        r.headers.emplace_back("Content-Range", range);
        r.body_reader = body.get();
        r.body_size = static_cast<int64_t>(len);
        r.tls = options_.endpoint.tls;
        return r;
      },
      ScopeFor(repo), nullptr);
  std::string what = "upload bytes " + range;
  if (!resp) return std::move(resp).error().Context(what);
  if (resp->status != 202) return ErrorFromResponse(what, *resp);
  // The registry says how much it holds; anything but the whole prefix so far is a lost chunk.
  int64_t end = RangeEnd(resp->Header("range"));
  if (!resp->Header("range").empty() && end != static_cast<int64_t>(start + len - 1)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     what + ": registry holds bytes " + resp->Header("range"));
  }
  std::string next = resp->Header("location");
  return next.empty() ? loc : AbsoluteUrl(next);
}

Result<void> RegistryClient::UploadBlob(const std::string& repo, const store::Digest& digest,
                                        int64_t size, const BlobOpener& open, int64_t chunk_size) {
  std::string what = "upload blob " + digest.String();
  auto loc = StartUpload(repo);
  if (!loc) return std::move(loc).error().Context(what);
  bool chunked = chunk_size > 0 && size > chunk_size;
  if (chunked) {
    for (int64_t start = 0; start < size; start += chunk_size) {
      uint64_t len = static_cast<uint64_t>(std::min(chunk_size, size - start));
      loc = PatchChunk(repo, *loc, static_cast<uint64_t>(start), len, open);
      if (!loc) return std::move(loc).error().Context(what);
    }
  }
  std::unique_ptr<Reader> body;
  auto put = Execute(
      [&]() -> Result<HttpRequest> {
        HttpRequest r;
        r.method = "PUT";
        r.url = WithQuery(*loc, "digest=" + digest.String());
        r.headers.emplace_back("Content-Type", "application/octet-stream");
        r.tls = options_.endpoint.tls;
        if (chunked) {  // every byte went in the PATCHes: close the session with no body
          r.body = std::string();
          return r;
        }
        BERTH_ASSIGN_OR_RETURN(body, open(0));
        r.body_reader = body.get();
        r.body_size = size;
        return r;
      },
      ScopeFor(repo), nullptr);
  if (!put) return std::move(put).error().Context(what);
  if (put->status != 201) return ErrorFromResponse(what, *put);
  return Ok();
}

}  // namespace berth::puller
