#include "support/tree_dump.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "support/tar_builder.hpp"

namespace berth::testing {

namespace fs = std::filesystem;

std::string TreeEntry::Describe() const {
  std::ostringstream o;
  char m[8];
  std::snprintf(m, sizeof m, "%04o", mode);
  o << type << " " << m << " " << uid << ":" << gid;
  if (type == 'f') o << " size=" << size << " " << content_sha;
  if (type == 'l') o << " -> " << link;
  if (type == 'c' || type == 'b') o << " rdev=" << rdev_major << ":" << rdev_minor;
  for (const auto& [k, v] : xattrs) {
    std::string shown;
    for (unsigned char ch : v) {
      if (ch >= 0x20 && ch < 0x7f) shown += static_cast<char>(ch);
      else {
        char b[5];
        std::snprintf(b, sizeof b, "\\x%02x", ch);
        shown += b;
      }
    }
    o << " xattr:" << k << "=" << shown;
  }
  return o.str();
}

static void ReadXattrs(const fs::path& p, TreeEntry& e) {
  char names[65536];
  ssize_t n = ::llistxattr(p.c_str(), names, sizeof names);
  for (ssize_t i = 0; i < n;) {
    std::string name(names + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    char val[65536];
    ssize_t vn = ::lgetxattr(p.c_str(), name.c_str(), val, sizeof val);
    if (vn >= 0) e.xattrs[name] = std::string(val, static_cast<size_t>(vn));
  }
}

static void Visit(const fs::path& root, const std::string& rel,
                  std::map<std::string, TreeEntry>& out) {
  fs::path p = rel.empty() ? root : root / rel;
  struct stat st;
  if (::lstat(p.c_str(), &st) < 0) return;
  TreeEntry e;
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.ino = st.st_ino;
  e.mtime = st.st_mtim.tv_sec;
  if (S_ISREG(st.st_mode)) {
    e.type = 'f';
    e.size = static_cast<unsigned long long>(st.st_size);
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    e.content_sha = Sha256String(ss.str());
  } else if (S_ISDIR(st.st_mode)) {
    e.type = 'd';
  } else if (S_ISLNK(st.st_mode)) {
    e.type = 'l';
    std::vector<char> buf(4096);
    ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
    if (n > 0) e.link.assign(buf.data(), static_cast<size_t>(n));
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    e.type = S_ISCHR(st.st_mode) ? 'c' : 'b';
    e.rdev_major = major(st.st_rdev);
    e.rdev_minor = minor(st.st_rdev);
  } else if (S_ISFIFO(st.st_mode)) {
    e.type = 'p';
  } else if (S_ISSOCK(st.st_mode)) {
    e.type = 's';
  }
  ReadXattrs(p, e);
  out[rel] = e;
  if (e.type == 'd') {
    std::error_code ec;
    for (const auto& d : fs::directory_iterator(p, ec)) {
      std::string name = d.path().filename().string();
      Visit(root, rel.empty() ? name : rel + "/" + name, out);
    }
  }
}

std::map<std::string, TreeEntry> ReadTree(const fs::path& root) {
  std::map<std::string, TreeEntry> out;
  Visit(root, "", out);
  return out;
}

std::string DumpTree(const fs::path& root) {
  std::ostringstream o;
  for (const auto& [path, e] : ReadTree(root)) {
    o << (path.empty() ? "." : path) << ": " << e.Describe() << "\n";
  }
  return o.str();
}

}  // namespace berth::testing
