#include "berth/runner/passwd_file.hpp"

#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

// Calls `fn(fields)` for each line that is neither blank nor a comment.
template <typename Fn>
void ForEachRecord(std::string_view text, Fn fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(start, nl - start));
    start = nl + 1;
    if (line.empty() || line.front() == '#') continue;
    fn(Split(line, ':'));
  }
}

}  // namespace

bool ParseId(std::string_view text, uint32_t* id) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  // (uid_t)-1 means "unchanged" to setresuid(2); it is never a real id.
  if (value >= 0xFFFFFFFFu) return false;
  *id = static_cast<uint32_t>(value);
  return true;
}

std::vector<PasswdEntry> ParsePasswd(std::string_view text) {
  std::vector<PasswdEntry> out;
  ForEachRecord(text, [&](const std::vector<std::string>& f) {
    PasswdEntry e;
    if (f.size() < 4 || f[0].empty()) return;
    if (!ParseId(f[2], &e.uid) || !ParseId(f[3], &e.gid)) return;
    e.name = f[0];
    if (f.size() > 5) e.home = f[5];
    if (f.size() > 6) e.shell = f[6];
    out.push_back(std::move(e));
  });
  return out;
}

std::vector<GroupEntry> ParseGroup(std::string_view text) {
  std::vector<GroupEntry> out;
  ForEachRecord(text, [&](const std::vector<std::string>& f) {
    GroupEntry e;
    if (f.size() < 3 || f[0].empty()) return;
    if (!ParseId(f[2], &e.gid)) return;
    e.name = f[0];
    if (f.size() > 3) {
      for (const std::string& m : Split(f[3], ',')) {
        std::string_view name = Trim(m);
        if (!name.empty()) e.members.emplace_back(name);
      }
    }
    out.push_back(std::move(e));
  });
  return out;
}

}  // namespace berth::runner
