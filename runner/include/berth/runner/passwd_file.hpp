// Parsers for the passwd(5) and group(5) files of a container image.
//
// Images are untrusted and their /etc files are often hand-written, so parsing is as tolerant
// as glibc's files backend: leading and trailing white space is ignored, blank lines and
// lines starting with '#' are skipped, and a malformed line (too few fields, an empty name, a
// uid or gid that is not a decimal number below 2^32-1) is skipped instead of failing the
// whole file. Unlike runc's parser, a bad number never reads as 0 (which would make
// "x:x:abc:..." a second root). Lookups return the first matching entry, as getpwnam(3)
// does. Value types; stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::runner {

// One line of /etc/passwd: name:password:uid:gid:gecos:home:shell. The last three fields may
// be missing (empty).
struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
  std::string shell;
  bool operator==(const PasswdEntry&) const = default;
};

// One line of /etc/group: name:password:gid:member,member. The member list may be missing.
struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;  // empty names dropped
  bool operator==(const GroupEntry&) const = default;
};

// Every well-formed entry of a passwd or group file, in file order. Never fails.
std::vector<PasswdEntry> ParsePasswd(std::string_view text);
std::vector<GroupEntry> ParseGroup(std::string_view text);

// The decimal id in `text` if it is one (digits only, at most 2^32-2); false otherwise.
bool ParseId(std::string_view text, uint32_t* id);

}  // namespace berth::runner
