// What every step of one build shares: the options, the open store and context, the cache,
// a work directory in the store's tmp/ for step mounts, and the images of finished stages.
#pragma once

#include <map>
#include <string>

#include "berth/base/temp_dir.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/builder/build.hpp"
#include "berth/builder/ignore_rules.hpp"
#include "berth/store/store.hpp"
#include "build_cache.hpp"

namespace berth::builder {

struct BuildSession {
  const BuildOptions* options = nullptr;
  store::Store* store = nullptr;
  UniqueFd context_fd;
  IgnoreRules rules;    // of the context's .containerignore / .dockerignore
  std::string file;     // the Containerfile's name in messages
  std::string created;  // RFC 3339 of options->timestamp
  BuildCache cache{std::filesystem::path()};
  TempDir work;                              // <store>/tmp/build-XXXXXX, on the store's filesystem
  std::map<int, store::ImageRecord> stages;  // finished stages by index
  int mounts = 0;                            // names the step mount directories under `work`

  void Progress(const std::string& line) const {
    if (options->progress) options->progress(line);
  }
};

}  // namespace berth::builder
