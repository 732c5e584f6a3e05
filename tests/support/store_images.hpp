// Test images in a store: layer blobs from TarBuilder tarballs (or any blob already stored,
// such as an adopted layer's), then an OCI config and manifest over a list of them, ready
// for Store::CommitImage. Uses berth's own OCI types and serialisation.
#pragma once

#include <vector>

#include "berth/store/digest.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/store.hpp"
#include "support/tar_builder.hpp"

namespace berth::testing {

// A layer as a manifest and a config name it.
struct TestLayer {
  store::Descriptor blob;
  store::DiffId diff_id;
};

// Stores `layer` gzip-compressed as a blob; fails the test if the store refuses.
TestLayer PutLayer(store::Store& store, const TarBuilder& layer);

// Stores a config (linux/amd64, `created`) and an OCI manifest over `layers` (bottom first)
// and returns the manifest digest.
store::Digest PutImage(store::Store& store, const std::vector<TestLayer>& layers,
                       const std::string& created = "2024-01-02T03:04:05Z");

}  // namespace berth::testing
