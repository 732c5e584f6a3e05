// ProcessSpec: the process a container runs (argv, environment, cwd, ids).
// Placeholder until the resolver lands; see process_spec.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace berth::runner {

struct ProcessSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  bool operator==(const ProcessSpec&) const = default;
};

}  // namespace berth::runner
