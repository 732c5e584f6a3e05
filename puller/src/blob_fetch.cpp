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

Result<bool> FetchBlob(RegistryClient& client, const std::string& repo,
                       const store::Descriptor& desc, store::BlobStore& blobs,
                       const FetchEvents& events) {
  if (blobs.Has(desc.digest)) return false;
  std::string what = "fetch blob " + desc.digest.String();
  for (int attempt = 0;; ++attempt) {
    bool waited = false;
    auto partial = store::PartialBlob::Open(blobs, desc.digest, desc.size, &waited);
    if (!partial) return std::move(partial).error().Context(what);
    if (waited && events.waited) events.waited();
    if (partial->stored()) return false;
    uint64_t resumed_from = partial->size();
    if (events.bytes && resumed_from > 0) events.bytes(resumed_from);
    PartialSink sink(*partial, events);
    BERTH_TRY(client.GetBlob(repo, desc.digest, sink, resumed_from));
    auto committed = partial->Commit();
    if (committed) return true;
    // Bytes kept from an earlier attempt may be what went wrong: once, start from zero.
    if (committed.error().code == ErrorCode::kDigestMismatch && resumed_from > 0 &&
        attempt == 0) {
      continue;
    }
    return std::move(committed).error().Context(what);
  }
}

}  // namespace berth::puller
