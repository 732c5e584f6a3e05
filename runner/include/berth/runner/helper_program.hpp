// The programs berth starts besides itself: berth-monitor (owner of a detached container)
// and berth-init (PID 1 of a `--init` container). They are installed next to the berth
// binary; an environment variable names another place (for tests and packagers).
// Stateless; thread-safe.
#pragma once

#include <filesystem>
#include <string_view>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::runner {

// `$env_var` when set and not empty, else `name` in the directory of /proc/self/exe.
// kNotFound (with a hint naming `env_var`) when that is not an executable file.
Result<std::filesystem::path> FindHelperProgram(std::string_view name, const char* env_var);

// berth-init (FindHelperProgram("berth-init", "BERTH_INIT")) copied into a sealed,
// close-on-exec memfd, ready for execveat(fd, "", ..., AT_EMPTY_PATH). The container's
// /proc/1/exe then names the memfd, never a file of the host it could write to
// (CVE-2019-5736).
Result<UniqueFd> LoadInitProgram();

}  // namespace berth::runner
