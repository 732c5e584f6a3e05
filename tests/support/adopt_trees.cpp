#include "support/adopt_trees.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "support/tree_dump.hpp"

namespace berth::testing {

namespace fs = std::filesystem;

namespace {

bool Check(int rc, const std::string& what) {
  if (rc == 0) return true;
  ADD_FAILURE() << what << ": " << std::strerror(errno);
  return false;
}

}  // namespace

TreeMaker& TreeMaker::Dir(const std::string& rel, mode_t mode, struct timespec t) {
  if (Check(::mkdir(P(rel).c_str(), 0700), "mkdir " + rel)) {
    Check(::chmod(P(rel).c_str(), mode), "chmod " + rel);
    Track(rel, t);
  }
  return *this;
}

TreeMaker& TreeMaker::File(const std::string& rel, const std::string& data, mode_t mode,
                           struct timespec t) {
  int fd = ::open(P(rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (!Check(fd < 0 ? -1 : 0, "create " + rel)) return *this;
  EXPECT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size())) << rel;
  ::close(fd);
  Check(::chmod(P(rel).c_str(), mode), "chmod " + rel);
  Track(rel, t);
  return *this;
}

TreeMaker& TreeMaker::Symlink(const std::string& rel, const std::string& target,
                              struct timespec t) {
  if (Check(::symlink(target.c_str(), P(rel).c_str()), "symlink " + rel)) Track(rel, t);
  return *this;
}

TreeMaker& TreeMaker::Hardlink(const std::string& rel, const std::string& existing) {
  Check(::link(P(existing).c_str(), P(rel).c_str()), "link " + rel);
  return *this;
}

TreeMaker& TreeMaker::Fifo(const std::string& rel, mode_t mode) {
  if (Check(::mkfifo(P(rel).c_str(), 0600), "mkfifo " + rel)) {
    Check(::chmod(P(rel).c_str(), mode), "chmod " + rel);
    Track(rel, kDefaultTime);
  }
  return *this;
}

TreeMaker& TreeMaker::Socket(const std::string& rel) {
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::string path = P(rel).string();
  if (path.size() >= sizeof addr.sun_path) {
    ADD_FAILURE() << "socket path too long: " << path;
  } else {
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    Check(::bind(s, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr), "bind " + rel);
  }
  ::close(s);
  return *this;
}

TreeMaker& TreeMaker::Whiteout(const std::string& rel, mode_t mode) {
  if (Check(::mknod(P(rel).c_str(), S_IFCHR, makedev(0, 0)), "mknod " + rel)) {
    Check(::chmod(P(rel).c_str(), mode), "chmod " + rel);
  }
  return *this;
}

TreeMaker& TreeMaker::Chown(const std::string& rel, uid_t uid, gid_t gid) {
  Check(::lchown(P(rel).c_str(), uid, gid), "chown " + rel);
  return *this;
}

TreeMaker& TreeMaker::Chmod(const std::string& rel, mode_t mode) {
  Check(::chmod(P(rel).c_str(), mode), "chmod " + rel);
  return *this;
}

bool TreeMaker::Xattr(const std::string& rel, const std::string& name, const std::string& value) {
  return ::lsetxattr(P(rel).c_str(), name.c_str(), value.data(), value.size(), 0) == 0;
}

void TreeMaker::Finish() {
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
    struct timespec ts[2] = {it->second, it->second};
    Check(::utimensat(AT_FDCWD, P(it->first).c_str(), ts, AT_SYMLINK_NOFOLLOW),
          "set times of " + it->first);
  }
  made_.clear();
}

std::vector<std::string> CompareLayerTrees(const fs::path& layer, const fs::path& unpacked) {
  std::vector<std::string> out;
  auto a = ReadTree(layer);
  auto b = ReadTree(unpacked);
  auto whiteout = [](const TreeEntry& e) {
    return e.type == 'c' && e.rdev_major == 0 && e.rdev_minor == 0;
  };
  for (const auto& [path, ea] : a) {
    auto it = b.find(path);
    if (it == b.end()) {
      out.push_back("only in the layer: '" + path + "' " + ea.Describe());
      continue;
    }
    const TreeEntry& eb = it->second;
    if (ea.Describe() != eb.Describe()) {
      out.push_back("'" + path + "': layer " + ea.Describe() + ", unpacked " + eb.Describe());
    }
    if (!path.empty() && !whiteout(ea) && ea.mtime != eb.mtime) {
      out.push_back("'" + path + "': layer mtime " + std::to_string(ea.mtime) + ", unpacked " +
                    std::to_string(eb.mtime));
    }
  }
  for (const auto& [path, eb] : b) {
    if (!a.count(path)) out.push_back("only unpacked: '" + path + "' " + eb.Describe());
  }
  // Hardlink groups: two non-directory entries share an inode in one tree iff in the other.
  std::vector<std::string> paths;
  for (const auto& [path, ea] : a) {
    if (ea.type != 'd' && !whiteout(ea) && b.count(path)) paths.push_back(path);
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = i + 1; j < paths.size(); ++j) {
      bool la = a[paths[i]].ino == a[paths[j]].ino;
      bool lb = b[paths[i]].ino == b[paths[j]].ino;
      if (la != lb) {
        out.push_back("'" + paths[i] + "' and '" + paths[j] + "' are " + (la ? "" : "not ") +
                      "one inode in the layer, " + (lb ? "" : "not ") + "in the unpacked tree");
      }
    }
  }
  return out;
}

std::vector<std::string> EntriesWithNanoseconds(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& [path, e] : ReadTree(root)) {
    struct stat st;
    if (::lstat((path.empty() ? root : root / path).c_str(), &st) < 0) continue;
    bool whiteout = S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
    if (!whiteout && st.st_mtim.tv_nsec != 0) {
      out.push_back(path);
    }
  }
  return out;
}

}  // namespace berth::testing
