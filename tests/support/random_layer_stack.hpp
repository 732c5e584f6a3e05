// RandomLayerStack: a reproducible pseudo-random stack of layer tars for differential tests.
//
// From a seed it plays a sequence of filesystem changes (add files, dirs, symlinks, fifos,
// char devices, in-layer hardlinks; modify and chmod/chown; whiteouts of files and whole
// trees; opaque dirs with and without new content; dir replaced by file and back) and writes
// each layer as a well-formed changeset the way docker/buildah do: parent directories of a
// changed path are emitted in the same layer with their current attributes, no path occurs
// twice in a layer, a whiteout never names a path added in the same layer, and hardlinks
// point at files added earlier in the same layer. Opaque markers are sometimes written after
// the directory's new entries (consumers must not depend on order).
//
// Only std::mt19937's raw output is used (its sequence is fixed by the standard), so a seed
// gives the same tars on every platform. Pure; no I/O.
#pragma once

#include <cstdint>
#include <vector>

#include "support/tar_builder.hpp"

namespace berth::testing {

// `layers` layers (bottom first) of about `ops_per_layer` changes each.
std::vector<TarBuilder> RandomLayerStack(uint32_t seed, int layers, int ops_per_layer);

}  // namespace berth::testing
