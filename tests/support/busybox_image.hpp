// The busybox stand-in in a store: the image that container tests run.
#pragma once

#include <filesystem>
#include <string>

namespace berth::testing {

// Builds the busybox stand-in as an OCI layout at `layout` with
// tests/fixtures/make-busybox-image.sh (offline, from Debian's busybox-static), named `ref`.
// Returns "" on success, else why it failed.
std::string MakeBusyboxLayout(const std::filesystem::path& layout, const std::string& ref);

// Builds the busybox stand-in as an OCI layout under `work` with
// tests/fixtures/make-busybox-image.sh (offline, from Debian's busybox-static) and loads it
// into the store at `root` with `berth_binary load` under the name `ref`. Returns "" on
// success, else why it failed (the caller asserts on it).
std::string LoadBusyboxImage(const std::string& berth_binary, const std::filesystem::path& root,
                             const std::filesystem::path& work, const std::string& ref);

// "" when this process can run containers from it (root, /bin/busybox), else why not.
std::string BusyboxContainersUnavailable();

}  // namespace berth::testing
