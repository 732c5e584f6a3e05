// Resolving a reference to one image manifest (private to the puller).
#pragma once

#include <string>

#include "berth/puller/registry_client.hpp"
#include "berth/store/blob_store.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/reference.hpp"

namespace berth::puller {

struct Resolved {
  FetchedManifest top;       // what the reference named (index or manifest)
  FetchedManifest manifest;  // the platform manifest (== top when no index)
  store::Manifest parsed;
};

// GETs the reference's manifest; for an index, picks the platform (`platform` text, empty
// for the host's) and GETs that manifest verified against the index's digest, unless
// `local` (may be null) already holds it: store blobs are verified, so a re-pull costs one
// manifest request.
Result<Resolved> ResolveImage(RegistryClient& client, const store::Reference& ref,
                              const std::string& platform,
                              const store::BlobStore* local = nullptr);

}  // namespace berth::puller
