// Verified, resumable blob download (see blob_fetch.hpp).
#include "blob_fetch.hpp"

#include "berth/store/partial_blob.hpp"

namespace berth::puller {

namespace {

// Feeds the registry client's body bytes to the partial file.
class PartialSink : public ResumableSink {
 public:
  PartialSink(store::PartialBlob& partial, const FetchEvents& events)
      : partial_(partial), events_(events) {}

  Result<void> Write(std::span<const std::byte> data) override {
    BERTH_TRY(partial_.Append(data));
    if (events_.bytes) events_.bytes(partial_.size());
    return Ok();
  }
  Result<void> Restart() override { return partial_.Restart(); }

 private:
  store::PartialBlob& partial_;
  const FetchEvents& events_;
};

}  // namespace

Result<std::optional<store::PartialBlob>> FetchVerified(RegistryClient& client,
                                                        const std::string& repo,
                                                        const store::Descriptor& desc,
                                                        store::BlobStore& blobs,
                                                        const FetchEvents& events) {
  using Out = std::optional<store::PartialBlob>;
  if (blobs.Has(desc.digest)) return Out();
  std::string what = "fetch blob " + desc.digest.String();
  for (int attempt = 0;; ++attempt) {
    bool waited = false;
    auto partial = store::PartialBlob::Open(blobs, desc.digest, desc.size, &waited);
    if (!partial) return std::move(partial).error().Context(what);
    if (waited && events.waited) events.waited();
    if (partial->stored()) return Out();
    uint64_t resumed_from = partial->size();
    if (events.bytes && resumed_from > 0) events.bytes(resumed_from);
    // A complete file (a pull that died before its commit) needs no request: a Range from
    // its end would only get 416.
    bool complete = desc.size >= 0 && resumed_from == static_cast<uint64_t>(desc.size);
    if (!complete) {
      PartialSink sink(*partial, events);
      BERTH_TRY(client.GetBlob(repo, desc.digest, sink, resumed_from));
    }
    auto verified = partial->Verify();
    if (verified) return Out(std::move(*partial));
    // Bytes kept from an earlier attempt may be what went wrong: once, start from zero.
    if (verified.error().code == ErrorCode::kDigestMismatch && resumed_from > 0 && attempt == 0) {
      continue;
    }
    return std::move(verified).error().Context(what);
  }
}

Result<bool> FetchBlob(RegistryClient& client, const std::string& repo,
                       const store::Descriptor& desc, store::BlobStore& blobs,
                       const FetchEvents& events) {
  BERTH_ASSIGN_OR_RETURN(auto partial, FetchVerified(client, repo, desc, blobs, events));
  if (!partial) return false;
  auto committed = partial->Commit();
  if (!committed) return std::move(committed).error().Context("store blob " + desc.digest.String());
  return true;
}

}  // namespace berth::puller
