// Choosing one image manifest from an index (OCI image index or Docker manifest list).
//
// Entries match on os, architecture and variant. Without a requested variant, arm64 means
// v8 (an entry with variant "v8" or none), arm means the host's or v7, then lesser variants,
// then none; other architectures accept an entry without a variant first, then any. Entries
// with platform unknown/unknown or annotated `vnd.docker.reference.type:
// attestation-manifest` (BuildKit attestations) are never chosen. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "berth/base/result.hpp"
#include "berth/store/oci.hpp"

namespace berth::puller {

// The platform this process runs on (linux/amd64, linux/arm64/v8, ...).
store::Platform HostPlatform();

// Parses "os/arch[/variant]" or "arch" (os linux), normalising aliases (x86_64 -> amd64,
// aarch64 -> arm64, arm64 -> variant v8). Empty text gives HostPlatform(). kInvalidArgument
// for malformed text.
Result<store::Platform> ParsePlatform(std::string_view text);

// The first entry of `index` that best matches `want`. kNotFound listing the available
// platforms when nothing matches.
Result<store::Descriptor> SelectPlatform(const store::Index& index, const store::Platform& want);

}  // namespace berth::puller
