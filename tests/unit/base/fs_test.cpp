#include "berth/base/fs.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "berth/base/file_lock.hpp"
#include "berth/base/temp_dir.hpp"

namespace berth {
namespace {

TEST(FsTest, RemoveTreeNeverFollowsSymlinks) {
  auto t = TempDir::Create(::testing::TempDir(), "fs-");
  ASSERT_TRUE(t);
  fs::path outside = t->path() / "outside";
  ASSERT_TRUE(MakeDirs(outside));
  ASSERT_TRUE(WriteFileAtomic(outside / "keep", "precious"));
  fs::path victim = t->path() / "victim";
  ASSERT_TRUE(MakeDirs(victim / "a" / "b"));
  ASSERT_EQ(::symlink(outside.c_str(), (victim / "a" / "link").c_str()), 0);
  ASSERT_TRUE(WriteFileAtomic(victim / "a" / "b" / "f", "x"));
  // A directory without permissions is still removed.
  ASSERT_EQ(::chmod((victim / "a" / "b").c_str(), 0), 0);
  ASSERT_TRUE(RemoveTree(victim));
  EXPECT_FALSE(fs::exists(victim));
  EXPECT_EQ(*ReadFile(outside / "keep"), "precious");
  EXPECT_TRUE(RemoveTree(victim));  // missing is fine
}

TEST(FsTest, WriteFileAtomicReplacesWholeFile) {
  auto t = TempDir::Create(::testing::TempDir(), "fs-");
  ASSERT_TRUE(t);
  fs::path p = t->path() / "f.json";
  ASSERT_TRUE(WriteFileAtomic(p, "first version, long"));
  ASSERT_TRUE(WriteFileAtomic(p, "second", 0600));
  EXPECT_EQ(*ReadFile(p), "second");
  EXPECT_EQ(fs::status(p).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(ListDir(t->path())->size(), 1u);  // no temp file left
  auto big = ReadFile(p, 3);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kInvalidArgument);
  auto missing = ReadFile(t->path() / "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
}

TEST(FsTest, TempDirIsRemovedWithItsContents) {
  fs::path p;
  {
    auto t = TempDir::Create(::testing::TempDir(), "fs-");
    ASSERT_TRUE(t);
    p = t->path();
    ASSERT_TRUE(MakeDirs(p / "x" / "y"));
  }
  EXPECT_FALSE(fs::exists(p));
}

TEST(FileLockTest, ExclusiveExcludesOthersAndSharedCoexist) {
  auto t = TempDir::Create(::testing::TempDir(), "lock-");
  ASSERT_TRUE(t);
  fs::path p = t->path() / "lock";
  auto a = FileLock::Acquire(p, FileLock::Mode::kShared);
  auto b = FileLock::TryAcquire(p, FileLock::Mode::kShared);
  ASSERT_TRUE(a && b);
  auto c = FileLock::TryAcquire(p, FileLock::Mode::kExclusive);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kBusy);
  b->Unlock();
  ASSERT_TRUE(a->Change(FileLock::Mode::kExclusive));
  EXPECT_FALSE(FileLock::TryAcquire(p, FileLock::Mode::kShared));
  a->Unlock();
  EXPECT_TRUE(FileLock::TryAcquire(p, FileLock::Mode::kExclusive));
}

}  // namespace
}  // namespace berth
