// A build context in a temp dir for builder tests: `ctx/` is the context, files written
// next to it (`outside/`) are outside it, for escape tests. Opened as a directory fd like
// the builder opens a real context.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::builder::testing {

class ContextDir {
 public:
  ContextDir() {
    auto dir = TempDir::Create(fs::temp_directory_path(), "berth-context-");
    EXPECT_TRUE(dir) << dir.error().ToString();
    if (!dir) return;
    tmp_ = std::move(*dir);
    EXPECT_TRUE(MakeDirs(root()));
    EXPECT_TRUE(MakeDirs(outside()));
    auto fd = Open(root(), O_PATH | O_DIRECTORY);
    EXPECT_TRUE(fd) << fd.error().ToString();
    if (fd) fd_ = std::move(*fd);
  }

  int fd() const { return fd_.get(); }
  fs::path root() const { return tmp_.path() / "ctx"; }
  fs::path outside() const { return tmp_.path() / "outside"; }

  // Writes `rel` in the context (parents created) with `mode` (umask not applied).
  void Write(const std::string& rel, const std::string& data, mode_t mode = 0644) {
    fs::path p = root() / rel;
    EXPECT_TRUE(MakeDirs(p.parent_path()));
    EXPECT_TRUE(WriteFileReplace(p, data, mode));
    EXPECT_EQ(::chmod(p.c_str(), mode), 0);
  }
  void Mkdir(const std::string& rel, mode_t mode = 0755) {
    EXPECT_TRUE(MakeDirs(root() / rel));
    EXPECT_EQ(::chmod((root() / rel).c_str(), mode), 0);
  }
  void Symlink(const std::string& rel, const std::string& target) {
    fs::path p = root() / rel;
    EXPECT_TRUE(MakeDirs(p.parent_path()));
    EXPECT_EQ(::symlink(target.c_str(), p.c_str()), 0) << rel;
  }
  void WriteOutside(const std::string& rel, const std::string& data) {
    fs::path p = outside() / rel;
    EXPECT_TRUE(MakeDirs(p.parent_path()));
    EXPECT_TRUE(WriteFileReplace(p, data));
  }

 private:
  TempDir tmp_;
  UniqueFd fd_;
};

}  // namespace berth::builder::testing
