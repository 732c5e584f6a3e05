// Fixture for the AdoptLayer unit tests: a store and scratch dirs on one filesystem, a base
// image already committed, and the tree every test adopts. Everything here works without
// root: the tree has files, directories, a setuid file, symlinks, hardlinks, a fifo, a
// socket, user.* xattrs (when the filesystem has them) and nanosecond mtimes, but no
// whiteouts or trusted.* xattrs (tests/integration/store/layer_adopt_test.cpp has those).
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/store/layer_adopt.hpp"
#include "berth/store/store.hpp"
#include "support/adopt_trees.hpp"
#include "support/store_check.hpp"
#include "support/store_images.hpp"
#include "support/tar_builder.hpp"
#include "support/tree_dump.hpp"

namespace berth::store::adopt_test {

namespace fs = std::filesystem;
using berth::testing::TreeMaker;

inline constexpr struct timespec kLate = {1800000000, 5};  // after kEpoch
inline constexpr int64_t kEpoch = 1750000000;

class LayerAdoptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(fs::temp_directory_path(), "berth-adopt-");
    ASSERT_TRUE(t) << t.error().ToString();
    tmp_ = std::move(*t);
    root_ = tmp_.path() / "root";
    auto s = Store::Open(root_);
    ASSERT_TRUE(s) << s.error().ToString();
    store_.emplace(std::move(*s));
    berth::testing::TarBuilder base;
    base.Dir("bin").File("bin/busybox", "busybox\n", 0755).Dir("etc").File("etc/hostname", "x\n");
    base_ = berth::testing::PutLayer(*store_, base);
    auto committed = store_->CommitImage(berth::testing::PutImage(*store_, {base_}), {});
    ASSERT_TRUE(committed) << committed.error().ToString();
  }

  // Makes <tmp>/<name> holding the standard tree and returns its path.
  fs::path MakeUpper(const std::string& name) {
    fs::path dir = tmp_.path() / name;
    EXPECT_EQ(::mkdir(dir.c_str(), 0700), 0);
    TreeMaker t(dir);
    t.Dir("bin").File("bin/tool", "tool\n", 04755).Hardlink("bin/tool2", "bin/tool");
    t.Symlink("bin/sh", "tool").Symlink("bin/abs", "/etc/conf");
    t.Dir("etc", 0750).File("etc/conf", "a=b\n", 0640).File("new", "late\n", 0644, kLate);
    t.Dir("run").Fifo("run/fifo", 0620).Socket("run/sock").Dir("empty", 0700);
    t.Dir("deep").Dir("deep/er").File("deep/er/est", std::string(200000, 'z'));
    xattrs_ = t.Xattr("etc/conf", "user.note", "hello") && t.Xattr("etc/conf", "user.empty", "") &&
              t.Xattr("", "user.root", "1");
    t.Finish();
    return dir;
  }

  Result<AdoptedLayer> Adopt(const fs::path& dir, const AdoptOptions& options = {}) {
    return AdoptLayer(*store_, dir, {base_.diff_id}, options);
  }

  static ino_t Inode(const fs::path& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0 ? st.st_ino : 0;
  }
  size_t Count(const char* sub) const {
    auto names = ListDir(root_ / sub);
    return names ? names->size() : 0;
  }
  std::string Problems(bool collected) const {
    std::string out;
    for (const auto& p : berth::testing::CheckStore(root_, collected)) out += p + "\n";
    return out;
  }

  TempDir tmp_;
  fs::path root_;
  std::optional<Store> store_;
  berth::testing::TestLayer base_;
  bool xattrs_ = false;
};

}  // namespace berth::store::adopt_test
