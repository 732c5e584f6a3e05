// Shared fixture for the layer unpack tests: a sentinel tree to unpack into, tar entries owned
// by the test process (so most tests need no root), expected-tree lines, and privilege probes.
//
// Layout of every test:   <tmp>/root/            mode 0755
//                         <tmp>/root/sentinel    "sentinel", 0644: must never change
//                         <tmp>/root/dest/       the layer directory
// On failure the whole <tmp>/root tree is printed.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "berth/base/temp_dir.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/layer_unpack.hpp"
#include "support/tar_builder.hpp"
#include "support/tree_dump.hpp"

namespace berth::store::unpack_test {

using berth::testing::TarCompression;
using berth::testing::TarEntry;
namespace fs = std::filesystem;

inline uid_t Uid() { return ::geteuid(); }
inline gid_t Gid() { return ::getegid(); }

// Tar entries, owned by the test process unless a test says otherwise.
inline TarEntry E(char type, const std::string& name, mode_t mode) {
  TarEntry e;
  e.type = type;
  e.name = name;
  e.mode = mode;
  e.uid = Uid();
  e.gid = Gid();
  return e;
}
inline TarEntry File(const std::string& name, const std::string& data = "", mode_t mode = 0644) {
  TarEntry e = E('0', name, mode);
  e.data = data;
  return e;
}
inline TarEntry Dir(const std::string& name, mode_t mode = 0755) { return E('5', name, mode); }
inline TarEntry Symlink(const std::string& name, const std::string& target) {
  TarEntry e = E('2', name, 0777);
  e.linkname = target;
  return e;
}
inline TarEntry Hardlink(const std::string& name, const std::string& target, mode_t mode = 0644) {
  TarEntry e = E('1', name, mode);
  e.linkname = target;
  return e;
}
inline TarEntry Fifo(const std::string& name, mode_t mode = 0644) { return E('6', name, mode); }
inline TarEntry Device(char type, const std::string& name, unsigned major, unsigned minor,
                       mode_t mode = 0666) {
  TarEntry e = E(type, name, mode);
  e.devmajor = major;
  e.devminor = minor;
  return e;
}
// ".wh.<base>" next to `path`, and "<dir>/.wh..wh..opq".
inline TarEntry Whiteout(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return File(dir + ".wh." + base);
}
inline TarEntry Opaque(const std::string& dir) {
  return File(dir.empty() ? ".wh..wh..opq" : dir + "/.wh..wh..opq");
}
inline TarEntry Owned(TarEntry e, uid_t uid, gid_t gid) {
  e.uid = uid;
  e.gid = gid;
  return e;
}
inline TarEntry WithXattr(TarEntry e, const std::string& name, const std::string& value) {
  e.xattrs[name] = value;
  return e;
}

inline std::string Tar(const std::vector<TarEntry>& entries,
                       TarCompression c = TarCompression::kNone) {
  berth::testing::TarBuilder b;
  for (const auto& e : entries) b.Add(e);
  return b.Build(c);
}

// Arbitrary bytes compressed, independently of TarBuilder (for trailing data after a tar).
inline la_ssize_t AppendTo(struct archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}
inline std::string GzipBytes(const std::string& data) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_add_filter_gzip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(a, &out, nullptr, AppendTo, nullptr);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "data");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  archive_write_header(a, e);
  if (!data.empty()) archive_write_data(a, data.data(), data.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}
inline std::string ZstdBytes(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

// Expected-tree lines in DumpTree's format ("path: f 0644 0:0 size=...").
struct Expect {
  std::string path;
  berth::testing::TreeEntry entry;
};
inline Expect X(char type, const std::string& path, unsigned mode, uid_t uid = Uid(),
                gid_t gid = Gid()) {
  Expect x{path, {}};
  x.entry.type = type;
  x.entry.mode = mode;
  x.entry.uid = uid;
  x.entry.gid = gid;
  return x;
}
inline Expect XFile(const std::string& path, const std::string& data, unsigned mode = 0644,
                    uid_t uid = Uid(), gid_t gid = Gid()) {
  Expect x = X('f', path, mode, uid, gid);
  x.entry.size = data.size();
  x.entry.content_sha = berth::testing::Sha256String(data);
  return x;
}
inline Expect XDir(const std::string& path, unsigned mode = 0755, uid_t uid = Uid(),
                   gid_t gid = Gid()) {
  return X('d', path, mode, uid, gid);
}
inline Expect XLink(const std::string& path, const std::string& target) {
  Expect x = X('l', path, 0777);
  x.entry.link = target;
  return x;
}
inline Expect XWhiteout(const std::string& path, uid_t uid = Uid(), gid_t gid = Gid()) {
  return X('c', path, 0, uid, gid);
}
inline Expect XAttr(Expect x, const std::string& name, const std::string& value) {
  x.entry.xattrs[name] = value;
  return x;
}

inline std::string Lines(const std::map<std::string, berth::testing::TreeEntry>& tree) {
  std::ostringstream o;
  for (const auto& [path, e] : tree)
    o << (path.empty() ? "." : path) << ": " << e.Describe() << "\n";
  return o.str();
}
inline std::string Lines(const std::vector<Expect>& expected) {
  std::map<std::string, berth::testing::TreeEntry> m;
  for (const auto& x : expected) m[x.path] = x.entry;
  return Lines(m);
}

// Probes: try the real operation in a scratch dir.
inline bool ProbeMknod(const fs::path& dir) {
  fs::path p = dir / "probe-mknod";
  bool ok = ::mknod(p.c_str(), S_IFCHR, makedev(0, 0)) == 0;
  ::unlink(p.c_str());
  return ok;
}
inline bool ProbeXattr(const fs::path& dir, const char* name) {
  fs::path p = dir / "probe-xattr";
  std::ofstream(p).put('x');
  bool ok = ::setxattr(p.c_str(), name, "1", 1, 0) == 0;
  ::unlink(p.c_str());
  return ok;
}
inline bool ProbeChown(const fs::path& dir) {
  fs::path p = dir / "probe-chown";
  std::ofstream(p).put('x');
  bool ok = ::chown(p.c_str(), 12345, 12345) == 0;
  ::unlink(p.c_str());
  return ok;
}
inline bool RequirePrivileged() {
  const char* v = std::getenv("BERTH_TEST_REQUIRE_PRIVILEGED");
  return v && std::string(v) == "1";
}

// Skips the test when `probe` failed, or fails it in the privileged CI job.
#define BERTH_REQUIRE_PROBE(probe, what)                                           \
  do {                                                                             \
    if (!(probe)) {                                                                \
      if (::berth::store::unpack_test::RequirePrivileged()) {                      \
        FAIL() << "probe failed with BERTH_TEST_REQUIRE_PRIVILEGED=1: " << (what); \
      }                                                                            \
      GTEST_SKIP() << "needs " << (what) << " (probe failed)";                     \
    }                                                                              \
  } while (0)

class UnpackFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create(fs::temp_directory_path(), "berth-unpack-");
    ASSERT_TRUE(tmp) << tmp.error().ToString();
    tmp_ = std::move(*tmp);
    root_ = tmp_.path() / "root";
    dest_ = root_ / "dest";
    fs::create_directory(root_);
    fs::create_directory(dest_);
    fs::permissions(root_, fs::perms(0755));
    fs::permissions(dest_, fs::perms(0755));
    std::ofstream(root_ / "sentinel") << "sentinel";
    fs::permissions(root_ / "sentinel", fs::perms(0644));
    dest_fd_.Reset(::open(dest_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(dest_fd_.valid());
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "tree under " << root_ << ":\n" << berth::testing::DumpTree(root_);
    }
  }

  Result<UnpackStats> Unpack(const std::string& blob, const UnpackOptions& options = {}) {
    MemoryReader in(blob);
    return UnpackLayer(in, dest_fd_.get(), options);
  }
  Result<UnpackStats> Unpack(const std::vector<TarEntry>& entries,
                             const UnpackOptions& options = {}) {
    return Unpack(Tar(entries), options);
  }

  // The dest tree; `expected` lists everything but the root, which must be 0755.
  std::string Actual() { return Lines(berth::testing::ReadTree(dest_)); }
  std::string Expected(std::vector<Expect> expected) {
    expected.push_back(XDir("", 0755));
    return Lines(expected);
  }

  // Nothing outside dest appeared, vanished or changed.
  void ExpectOutsideUntouched() {
    auto tree = berth::testing::ReadTree(root_);
    for (const auto& [path, e] : tree) {
      EXPECT_TRUE(path.empty() || path == "sentinel" || path == "dest" || path.starts_with("dest/"))
          << "unexpected " << path << ": " << e.Describe();
    }
    ASSERT_TRUE(tree.count("sentinel"));
    EXPECT_EQ(tree["sentinel"].Describe(), XFile("sentinel", "sentinel", 0644).entry.Describe());
    EXPECT_EQ(tree[""].Describe(), XDir("", 0755).entry.Describe());
    EXPECT_TRUE(tree.count("dest"));
    struct stat st;
    ASSERT_EQ(::stat((root_ / "sentinel").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 1u) << "sentinel was hardlinked";
  }

  TempDir tmp_;
  fs::path root_, dest_;
  UniqueFd dest_fd_;
};

}  // namespace berth::store::unpack_test
