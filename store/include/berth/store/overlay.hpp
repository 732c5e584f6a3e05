// Overlay mount descriptions: the store says what to mount; the runner mounts it.
//
// Lower layers are named by their short links relative to the store root ("l/ab12..."), so
// the option string for 128 layers fits the kernel's one-page limit for mount(2) data; the
// mount is then performed with the store root as working directory (`chdir`). A bottom
// empty directory is always added so that whiteouts in an image's base layer hide nothing
// and show as nothing, and so that an image with one layer still has two lowers. Pure.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/result.hpp"

namespace berth::store {

namespace fs = std::filesystem;

struct MountSpec {
  std::string source;
  fs::path target;
  std::string fstype;
  unsigned long flags = 0;
  std::string data;  // option string
  fs::path chdir;    // if non-empty: relative paths in `data` are relative to this directory
  bool operator==(const MountSpec&) const = default;
};

inline constexpr size_t kMountDataLimit = 4096;  // one page: the kernel copies at most this

struct OverlaySpecInput {
  fs::path store_root;
  std::vector<std::string> lower_links;  // top layer first, each relative to store_root
  std::string empty_dir = "empty";       // relative to store_root; added as the bottom lower
  std::optional<fs::path> upper;         // absolute; with work, or neither (read-only mount)
  std::optional<fs::path> work;
  fs::path target;
  bool read_only = false;
};

// kInvalidArgument when the option string would not fit kMountDataLimit (the message says
// how many layers and bytes) or when a path contains ',' or ':'.
Result<MountSpec> OverlayMountSpec(const OverlaySpecInput& in);

}  // namespace berth::store
