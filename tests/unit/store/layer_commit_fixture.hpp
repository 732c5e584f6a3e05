// Test fixture for CommitLayer: builds trees in a temp dir with explicit modes, owners and
// times, commits them, and reads the result back with libarchive (independent of berth's tar
// code) as one line per entry. Probes for privileged features skip, or fail when
// BERTH_TEST_REQUIRE_PRIVILEGED=1. Shared by layer_commit_test.cpp and
// layer_commit_stream_test.cpp.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "berth/base/temp_dir.hpp"
#include "berth/store/layer_commit.hpp"
#include "support/tar_builder.hpp"
#include "support/tree_dump.hpp"

namespace berth::store::commit_test {

namespace fs = std::filesystem;
using berth::testing::DumpTree;
using berth::testing::Sha256String;

inline constexpr int64_t kT = 1700000000;

inline void SkipOrFail(const std::string& reason) {
  const char* v = std::getenv("BERTH_TEST_REQUIRE_PRIVILEGED");
  if (v && std::string(v) == "1") {
    ADD_FAILURE() << "probe failed: " << reason;
  } else {
    GTEST_SKIP() << reason;
  }
}

inline std::string Escape(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char b[5];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    }
  }
  return out;
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

// One line per entry: "name type mode uid:gid mtime [extra]"; type f d l h c b p.
inline std::vector<std::string> ListTar(const std::string& blob) {
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  EXPECT_EQ(archive_read_open_memory(a.get(), blob.data(), blob.size()), ARCHIVE_OK);
  std::vector<std::string> out;
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
    char head[64];
    const char* hard = archive_entry_hardlink(e);
    char type = hard ? 'h' : '?';
    switch (hard ? 0 : archive_entry_filetype(e)) {
      case AE_IFREG:
        type = 'f';
        break;
      case AE_IFDIR:
        type = 'd';
        break;
      case AE_IFLNK:
        type = 'l';
        break;
      case AE_IFCHR:
        type = 'c';
        break;
      case AE_IFBLK:
        type = 'b';
        break;
      case AE_IFIFO:
        type = 'p';
        break;
    }
    std::snprintf(head, sizeof head, " %c %04o %lld:%lld %lld", type,
                  static_cast<unsigned>(archive_entry_perm(e)),
                  static_cast<long long>(archive_entry_uid(e)),
                  static_cast<long long>(archive_entry_gid(e)),
                  static_cast<long long>(archive_entry_mtime(e)));
    std::string line = archive_entry_pathname(e) + std::string(head);
    if (hard) line += std::string(" => ") + hard;
    if (type == 'l') line += std::string(" -> ") + archive_entry_symlink(e);
    if (type == 'c' || type == 'b') {
      line += " dev=" + std::to_string(archive_entry_rdevmajor(e)) + ":" +
              std::to_string(archive_entry_rdevminor(e));
    }
    if (type == 'f') {
      std::string data;
      char buf[65536];
      la_ssize_t n;
      while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) data.append(buf, n);
      line += " size=" + std::to_string(archive_entry_size(e));
      line += data.size() <= 16 ? " data=" + Escape(data) : " " + Sha256String(data).substr(7, 12);
    }
    // libarchive hands xattrs back in reverse; the order in the tar is checked byte-wise in
    // PaxRecordsAreMinimalAndSorted.
    std::map<std::string, std::string> xattrs;
    const char* name;
    const void* value;
    size_t size;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      xattrs[name] = Escape({static_cast<const char*>(value), size});
    }
    for (const auto& [k, v] : xattrs) line += " xattr:" + k + "=" + v;
    out.push_back(line);
  }
  EXPECT_EQ(rc, ARCHIVE_EOF) << archive_error_string(a.get());
  return out;
}

class LayerCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(fs::temp_directory_path(), "berth-commit-");
    ASSERT_TRUE(t) << t.error().ToString();
    tmp_ = std::move(*t);
    root_ = tmp_.path() / "diff";
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    probe_ = tmp_.path() / "probe";
    ASSERT_EQ(::mkdir(probe_.c_str(), 0755), 0);
  }

  fs::path P(const std::string& rel) const { return rel.empty() ? root_ : root_ / rel; }

  // Every entry made through these helpers gets mtime kT (or `mtime`) when Finish() runs.
  void Track(const std::string& rel, int64_t mtime) { made_.emplace_back(rel, mtime); }

  void Dir(const std::string& rel, mode_t mode = 0755, int64_t mtime = kT) {
    ASSERT_EQ(::mkdir(P(rel).c_str(), 0700), 0) << rel << ": " << std::strerror(errno);
    ASSERT_EQ(::chmod(P(rel).c_str(), mode), 0);
    Track(rel, mtime);
  }
  void File(const std::string& rel, const std::string& data, mode_t mode = 0644,
            int64_t mtime = kT) {
    int fd = ::open(P(rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << rel << ": " << std::strerror(errno);
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ::close(fd);
    ASSERT_EQ(::chmod(P(rel).c_str(), mode), 0);
    Track(rel, mtime);
  }
  void Symlink(const std::string& rel, const std::string& target, int64_t mtime = kT) {
    ASSERT_EQ(::symlink(target.c_str(), P(rel).c_str()), 0) << rel;
    Track(rel, mtime);
  }
  void Hardlink(const std::string& rel, const std::string& existing) {
    ASSERT_EQ(::link(P(existing).c_str(), P(rel).c_str()), 0) << rel;
  }
  void Fifo(const std::string& rel, mode_t mode) {
    ASSERT_EQ(::mkfifo(P(rel).c_str(), 0600), 0) << rel;
    ASSERT_EQ(::chmod(P(rel).c_str(), mode), 0);
    Track(rel, kT);
  }
  bool Mknod(const std::string& rel, mode_t type, unsigned maj, unsigned min, mode_t perm) {
    if (::mknod(P(rel).c_str(), type | perm, makedev(maj, min)) != 0) return false;
    EXPECT_EQ(::chmod(P(rel).c_str(), perm), 0);  // mknod's mode is subject to the umask
    Track(rel, kT);
    return true;
  }
  bool Xattr(const std::string& rel, const std::string& name, const std::string& value) {
    return ::lsetxattr(P(rel).c_str(), name.c_str(), value.data(), value.size(), 0) == 0;
  }
  void Chown(const std::string& rel, uid_t uid, gid_t gid) {
    ASSERT_EQ(::lchown(P(rel).c_str(), uid, gid), 0) << rel << ": " << std::strerror(errno);
  }
  // Children first, so setting a parent's time is the last thing that touches it.
  void Finish(int64_t atime = kT) {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
      struct timespec ts[2] = {{atime, 0}, {it->second, 0}};
      ASSERT_EQ(::utimensat(AT_FDCWD, P(it->first).c_str(), ts, AT_SYMLINK_NOFOLLOW), 0)
          << it->first;
    }
    made_.clear();
  }

  // Probes run on scratch files outside the committed tree.
  std::string ProbeChown() {
    fs::path p = probe_ / "chown";
    ::close(::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (::chown(p.c_str(), 3000000, 3000001) != 0) return "chown: " + std::string(strerror(errno));
    return "";
  }
  std::string ProbeMknod(unsigned maj, unsigned min) {
    fs::path p = probe_ / ("dev" + std::to_string(maj) + "_" + std::to_string(min));
    if (::mknod(p.c_str(), S_IFCHR | 0600, makedev(maj, min)) != 0) {
      return "mknod " + std::to_string(maj) + ":" + std::to_string(min) + ": " + strerror(errno);
    }
    return "";
  }
  std::string ProbeXattr(const std::string& name, const std::string& value = "y") {
    fs::path p = probe_ / "xattr";
    ::close(::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (::setxattr(p.c_str(), name.c_str(), value.data(), value.size(), 0) != 0) {
      return "setxattr " + name + ": " + strerror(errno);
    }
    return "";
  }

  Result<CommitStats> Commit(std::string* out, const CommitOptions& options = {}) {
    return CommitAt(root_, out, options);
  }
  static Result<CommitStats> CommitAt(const fs::path& dir, std::string* out,
                                      const CommitOptions& options) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    StringWriter sink;
    auto r = CommitLayer(fd, sink, options);
    ::close(fd);
    *out = std::move(sink.str());
    return r;
  }
  // The entry list of a fresh commit of root_ (uncompressed, so failures show plain tar).
  std::vector<std::string> CommitAndList() {
    std::string tar;
    auto r = Commit(&tar, {.compression = Compression::kNone});
    EXPECT_TRUE(r) << r.error().ToString();
    return ListTar(tar);
  }

  std::string Ids() const { return std::to_string(::getuid()) + ":" + std::to_string(::getgid()); }

  TempDir tmp_;
  fs::path root_;
  fs::path probe_;
  std::vector<std::pair<std::string, int64_t>> made_;
};

}  // namespace berth::store::commit_test
