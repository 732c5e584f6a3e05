// CheckStore: the invariants a store keeps whatever happened to the processes that wrote it;
// the verdict of the crash tests (berth has no fsck of its own). Reads only.
//   - every blobs/sha256/<hex> hashes to <hex>;
//   - every layers/<hex>/ has a layer.json for diff_id sha256:<hex>, a diff/ directory and
//     its short link l/<link> -> ../layers/<hex>/diff, and each of its recorded blobs that
//     is present decompresses to a tar with that diff_id;
//   - every image record's manifest, config and layer blobs are present and each of its
//     diff_ids is a layer;
//   - when `collected` (right after a garbage collection): tmp/ is empty and every l/ link
//     leads to a layer.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace berth::testing {

// One line per violation; empty when the store at `root` is consistent.
std::vector<std::string> CheckStore(const std::filesystem::path& root, bool collected);

}  // namespace berth::testing
