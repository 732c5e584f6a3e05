#include "cgroup_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

Result<void> WriteCgroupFile(const std::filesystem::path& file, std::string_view value) {
  std::string what = "write " + Quote(value) + " to " + Quote(file.string());
  auto fd = Open(file, O_WRONLY | O_TRUNC);
  if (!fd) {
    if (fd.error().sys_errno == 0) return std::move(fd).error().Context(what);
    return SysError(what, fd.error().sys_errno);
  }
  ssize_t n;
  do {
    n = ::write(fd->get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    Error e = SysError(what, errno);
    if (errno == EBUSY && file.filename() == "cgroup.subtree_control") {
      e.hint =
          "cgroup v2 allows controllers for children only in a cgroup without processes (the "
          "'no internal processes' rule): run berth from a leaf cgroup such as a systemd "
          "scope, or move the processes of " +
          Quote(file.parent_path().string()) + " into a child cgroup";
    }
    return e;
  }
  if (static_cast<size_t>(n) != value.size()) {
    return MakeError(ErrorCode::kIo, what + ": short write");
  }
  return Ok();
}

Result<std::string> ReadCgroupFile(const std::filesystem::path& file) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(file, 1 << 20));
  return std::string(Trim(text));
}

std::optional<int64_t> ParseCgroupInt(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> KeyedValue(std::string_view text, std::string_view key) {
  for (const std::string& line : Split(text, '\n')) {
    std::string_view l = Trim(line);
    if (l.size() > key.size() && l.substr(0, key.size()) == key && l[key.size()] == ' ') {
      return ParseCgroupInt(Trim(l.substr(key.size() + 1)));
    }
  }
  return std::nullopt;
}

Result<std::vector<pid_t>> ReadCgroupProcs(const std::filesystem::path& dir) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(dir / "cgroup.procs", 16 << 20));
  std::vector<pid_t> pids;
  for (const std::string& line : Split(text, '\n')) {
    if (auto pid = ParseCgroupInt(Trim(line)); pid && *pid > 0) {
      pids.push_back(static_cast<pid_t>(*pid));
    }
  }
  return pids;
}

}  // namespace berth::runner
