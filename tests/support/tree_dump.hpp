// DumpTree: a sorted, line-per-entry description of a directory tree for test assertions and
// failure output: path, type, mode, uid:gid, size, content sha256, link target, rdev, xattrs.
// Never follows symlinks.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace berth::testing {

struct TreeEntry {
  char type = '?';  // f d l c b p s
  unsigned mode = 0;  // permission bits incl. setuid/setgid/sticky
  unsigned uid = 0, gid = 0;
  unsigned long long size = 0;
  std::string content_sha;  // regular files
  std::string link;         // symlinks
  unsigned rdev_major = 0, rdev_minor = 0;
  unsigned long long ino = 0;
  long long mtime = 0;
  std::map<std::string, std::string> xattrs;
  // One line without the inode and mtime (so trees from different tools compare).
  std::string Describe() const;
};

// Keyed by path relative to root ("" for root itself, "etc/passwd").
std::map<std::string, TreeEntry> ReadTree(const std::filesystem::path& root);
std::string DumpTree(const std::filesystem::path& root);

}  // namespace berth::testing
