// A tiny container rootfs in a temp dir for process and user tests: files and symlinks are
// written by the test, and `fd()` is the directory fd the code under test resolves in.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::testing {

class RootFs {
 public:
  RootFs() {
    auto dir = TempDir::Create(fs::temp_directory_path(), "berth-rootfs-");
    EXPECT_TRUE(dir) << dir.error().ToString();
    dir_ = std::move(*dir);
    EXPECT_TRUE(MakeDirs(root()));
    fd_ = UniqueFd(::open(root().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    EXPECT_TRUE(fd_.valid());
  }

  // The rootfs; its parent (the temp dir) plays "the host" outside it.
  fs::path root() const { return dir_.path() / "rootfs"; }
  fs::path outside() const { return dir_.path(); }
  int fd() const { return fd_.get(); }

  void Write(const std::string& rel, const std::string& content) { WriteAt(root() / rel, content); }
  void WriteOutside(const std::string& rel, const std::string& content) {
    WriteAt(outside() / rel, content);
  }
  void Symlink(const std::string& rel, const std::string& target) {
    fs::path p = root() / rel;
    ASSERT_TRUE(MakeDirs(p.parent_path()));
    ASSERT_EQ(::symlink(target.c_str(), p.c_str()), 0) << p;
  }
  void Fifo(const std::string& rel) {
    fs::path p = root() / rel;
    ASSERT_TRUE(MakeDirs(p.parent_path()));
    ASSERT_EQ(::mkfifo(p.c_str(), 0644), 0) << p;
  }

 private:
  static void WriteAt(const fs::path& p, const std::string& content) {
    ASSERT_TRUE(MakeDirs(p.parent_path()));
    auto r = WriteFileAtomic(p, content);
    ASSERT_TRUE(r) << r.error().ToString();
  }

  TempDir dir_;
  UniqueFd fd_;
};

}  // namespace berth::testing
