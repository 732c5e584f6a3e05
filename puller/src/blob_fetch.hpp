// Downloading one blob into the store, verified while it streams (private to the puller).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "berth/puller/registry_client.hpp"
#include "berth/store/blob_store.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/partial_blob.hpp"

namespace berth::puller {

struct FetchEvents {
  // Another process (or thread) was downloading the same blob and this call waited for it.
  std::function<void()> waited;
  // The running byte count, including bytes an earlier attempt left (a resume).
  std::function<void(uint64_t)> bytes;
};

// Fetches `desc` from `repo` into its partial file (store::PartialBlob), hashing as bytes
// arrive, resuming with Range from what an earlier attempt or an earlier berth left; commits
// to blobs/ only when size and sha256 match. More bytes than desc.size fail at once.
// kDigestMismatch naming both digests, and the unverified bytes are dropped (a resumed
// download that fails verification is retried once from byte 0 first). A connection that
// cannot be resumed leaves the partial file for the next attempt. Returns true when the
// blob was fetched, false when it was already stored (by this or another process).
Result<bool> FetchBlob(RegistryClient& client, const std::string& repo,
                       const store::Descriptor& desc, store::BlobStore& blobs,
                       const FetchEvents& events = {});

// As FetchBlob, but stops before the commit: returns the verified partial blob, still locked
// (other downloaders of it keep waiting), for the caller to read and then Commit(); nullopt
// when the blob was already stored. Lets a pull unpack a layer before paying for the blob's
// fsync (the layer's own syncfs makes that fsync nearly free afterwards).
Result<std::optional<store::PartialBlob>> FetchVerified(RegistryClient& client,
                                                        const std::string& repo,
                                                        const store::Descriptor& desc,
                                                        store::BlobStore& blobs,
                                                        const FetchEvents& events = {});

}  // namespace berth::puller
