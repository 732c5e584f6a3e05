#include "in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <deque>

#include "berth/base/strings.hpp"

namespace berth::store::unpack {

namespace {

// The kernel's own limit on symlinks followed in one lookup (MAXSYMLINKS).
constexpr int kMaxSymlinks = 40;
// openat2 with RESOLVE_IN_ROOT returns EAGAIN when a concurrent rename might have let ".."
// escape; nothing else renames inside a staging dir, so a few retries are plenty.
constexpr int kEagainRetries = 8;

std::vector<std::string_view> SplitSlash(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

Error ResolveError(const std::string& rel, int err) {
  return SysError("resolve " + Quote(rel.empty() ? "." : rel) + " in root", err);
}

}  // namespace

std::vector<std::string> CleanComponents(std::string_view path) {
  std::vector<std::string> out;
  for (std::string_view c : SplitSlash(path)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.emplace_back(c);
  }
  return out;
}

std::string JoinComponents(const std::vector<std::string>& components, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < components.size(); ++i) {
    if (i > 0) out += '/';
    out += components[i];
  }
  return out;
}

Result<UniqueFd> RootResolver::OpenDir(const std::string& rel, bool readable) {
  const int mode_flags = readable ? O_RDONLY : O_PATH;
  if (rel.empty()) {
    int fd = ::openat(root_fd_, ".", mode_flags | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ResolveError(rel, errno);
    return UniqueFd(fd);
  }
  if (use_openat2_) {
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(mode_flags | O_DIRECTORY | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < kEagainRetries; ++attempt) {
      long fd = ::syscall(SYS_openat2, root_fd_, rel.c_str(), &how, sizeof how);
      if (fd >= 0) return UniqueFd(static_cast<int>(fd));
      if (errno == EAGAIN || errno == EINTR) continue;
      if (errno != ENOSYS && errno != EPERM) return ResolveError(rel, errno);
      // No openat2 here (or a seccomp filter that denies unknown syscalls with EPERM): the
      // walk gives the same answer, so use it for the rest of this unpack.
      use_openat2_ = false;
      break;
    }
  }
  return Walk(rel, readable);
}

// Resolves `rel` one component at a time. `stack` holds the directories from the root down
// to the current one (the root itself is implicit), so ".." pops to the physical parent and
// never above the root, and an absolute symlink target restarts from the root: the same
// answers as RESOLVE_IN_ROOT. Each step opens with O_PATH | O_NOFOLLOW and inspects what it
// got, so no symlink is followed by the kernel.
Result<UniqueFd> RootResolver::Walk(const std::string& rel, bool readable) {
  std::vector<UniqueFd> stack;
  std::deque<std::string> todo;
  for (std::string_view c : SplitSlash(rel)) todo.emplace_back(c);
  int symlinks = 0;
  while (!todo.empty()) {
    std::string name = std::move(todo.front());
    todo.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      if (!stack.empty()) stack.pop_back();
      continue;
    }
    int cur = stack.empty() ? root_fd_ : stack.back().get();
    UniqueFd fd(::openat(cur, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return ResolveError(rel, errno);
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return ResolveError(rel, errno);
    if (S_ISLNK(st.st_mode)) {
      if (++symlinks > kMaxSymlinks) return ResolveError(rel, ELOOP);
      char target[PATH_MAX];
      // readlinkat with an empty path reads the O_PATH symlink fd itself (Linux >= 2.6.39).
      ssize_t n = ::readlinkat(fd.get(), "", target, sizeof target);
      if (n < 0) return ResolveError(rel, errno);
      std::string_view t(target, static_cast<size_t>(n));
      std::vector<std::string_view> parts = SplitSlash(t);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.emplace_front(*it);
      if (!t.empty() && t.front() == '/') stack.clear();
      continue;
    }
    if (!S_ISDIR(st.st_mode)) return ResolveError(rel, ENOTDIR);
    stack.push_back(std::move(fd));
  }
  int dir = stack.empty() ? root_fd_ : stack.back().get();
  const int mode_flags = readable ? O_RDONLY : O_PATH;
  // Reopening "." of a directory fd we already hold cannot follow anything.
  int fd = ::openat(dir, ".", mode_flags | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ResolveError(rel, errno);
  return UniqueFd(fd);
}

}  // namespace berth::store::unpack
