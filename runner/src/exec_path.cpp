#include "berth/runner/exec_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth::runner {

std::string PathFromEnv(const std::vector<std::string>& env) {
  for (const std::string& e : env) {
    if (e.compare(0, 5, "PATH=") == 0) return e.substr(5);
  }
  return std::string(kDefaultPath);
}

std::vector<std::string> ExecCandidates(const std::string& argv0, const std::string& path_env) {
  if (argv0.empty()) return {};
  if (argv0.find('/') != std::string::npos) return {argv0};
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t colon = path_env.find(':', start);
    std::string_view dir = std::string_view(path_env).substr(
        start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string candidate(dir.empty() ? std::string_view(".") : dir);
    candidate += '/';
    candidate += argv0;
    out.push_back(std::move(candidate));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return out;
}

int FindExecutable(const char* file, const std::vector<std::string>& candidates,
                   const char** path) {
  if (std::strchr(file, '/') != nullptr) {
    if (candidates.empty()) return ENOENT;
    *path = candidates.front().c_str();
    return 0;
  }
  for (const std::string& c : candidates) {
    struct stat st;
    // runc's exec.LookPath and crun's find_executable skip what cannot be a program, so a
    // non-executable file early in PATH does not hide a real one later.
    if (::stat(c.c_str(), &st) != 0) continue;
    if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) continue;
    *path = c.c_str();
    return 0;
  }
  return ENOENT;
}

int ExecSearch(const char* file, const std::vector<std::string>& candidates, char* const argv[],
               char* const envp[]) {
  const char* path = nullptr;
  if (int err = FindExecutable(file, candidates, &path)) return err;
  ::execve(path, argv, envp);
  return errno;
}

int ExitCodeForExecErrno(int err) { return err == ENOENT ? 127 : 126; }

}  // namespace berth::runner
