// Downloading one blob into the store, verified while it streams (private to the puller).
#pragma once

#include <functional>
#include <string>

#include "berth/puller/registry_client.hpp"
#include "berth/store/blob_store.hpp"
#include "berth/store/oci.hpp"

namespace berth::puller {

// Fetches `desc` from `repo` into a stage under the store's tmp/, hashing as bytes arrive
// (and across Range resumes); commits to blobs/ only when size and sha256 match. More bytes
// than desc.size fail at once. kDigestMismatch naming both digests; nothing is kept on
// failure. `on_bytes` (may be empty) sees the running byte count.
Result<void> FetchBlob(RegistryClient& client, const std::string& repo,
                       const store::Descriptor& desc, store::BlobStore& blobs,
                       const std::function<void(uint64_t)>& on_bytes);

}  // namespace berth::puller
