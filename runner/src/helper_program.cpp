#include "berth/runner/helper_program.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

Result<fs::path> FindHelperProgram(std::string_view name, const char* env_var) {
  const char* env = std::getenv(env_var);
  fs::path path;
  if (env && *env) {
    path = env;
  } else {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return MakeError(ErrorCode::kInternal, "find the berth binary: " + ec.message());
    path = self.parent_path() / name;
  }
  if (::access(path.c_str(), X_OK) != 0) {
    return MakeError(ErrorCode::kNotFound,
                     std::string(name) + " not found at " + Quote(path.string()),
                     "install it next to berth, or set " + std::string(env_var));
  }
  return path;
}

Result<UniqueFd> LoadInitProgram() {
  BERTH_ASSIGN_OR_RETURN(fs::path path, FindHelperProgram("berth-init", "BERTH_INIT"));
  BERTH_ASSIGN_OR_RETURN(UniqueFd in, Open(path, O_RDONLY));
  struct stat st;
  if (::fstat(in.get(), &st) < 0) return SysError("stat " + path.string(), errno);
  UniqueFd mem(::memfd_create("berth-init", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!mem) return SysError("create memfd for berth-init", errno);
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t n = ::sendfile(mem.get(), in.get(), &offset, static_cast<size_t>(st.st_size - offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError("copy " + path.string() + " into a memfd", errno);
    if (n == 0) return MakeError(ErrorCode::kInternal, "copy " + path.string() + ": file shrank");
  }
  if (::fchmod(mem.get(), 0555) < 0) return SysError("chmod berth-init memfd", errno);
  int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (::fcntl(mem.get(), F_ADD_SEALS, seals) < 0) return SysError("seal berth-init memfd", errno);
  return mem;
}

}  // namespace berth::runner
