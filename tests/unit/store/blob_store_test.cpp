#include "berth/store/blob_store.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/store/staged.hpp"

namespace berth::store {
namespace {

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(::testing::TempDir(), "blobs-");
    ASSERT_TRUE(t) << t.error().ToString();
    dir_ = std::move(*t);
    ASSERT_TRUE(MakeDirs(dir_.path() / "blobs" / "sha256"));
    ASSERT_TRUE(MakeDirs(dir_.path() / "tmp"));
  }
  size_t TmpEntries() { return ListDir(dir_.path() / "tmp")->size(); }
  TempDir dir_;
};

// A reader that fails after handing out some bytes, like a dropped connection.
class FailingReader : public Reader {
 public:
  explicit FailingReader(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    if (done_) return MakeError(ErrorCode::kNetwork, "connection reset");
    done_ = true;
    size_t n = std::min(buf.size(), data_.size());
    std::memcpy(buf.data(), data_.data(), n);
    return n;
  }

 private:
  std::string data_;
  bool done_ = false;
};

TEST_F(BlobStoreTest, IngestCommitsOnlyMatchingDigest) {
  BlobStore store(dir_.path());
  std::string data = "hello layer bytes";
  Digest d = Digest::Of(data);
  MemoryReader r(data);
  ASSERT_TRUE(store.Ingest(r, d, static_cast<int64_t>(data.size())));
  EXPECT_TRUE(store.Has(d));
  EXPECT_EQ(*store.Read(d), data);
  EXPECT_EQ(*store.Size(d), data.size());
  EXPECT_EQ(TmpEntries(), 0u);
}

TEST_F(BlobStoreTest, DigestMismatchLeavesNothing) {
  BlobStore store(dir_.path());
  Digest claimed = Digest::Of("what the registry promised");
  MemoryReader r("something else entirely");
  auto res = store.Ingest(r, claimed, -1);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, ErrorCode::kDigestMismatch);
  EXPECT_NE(res.error().message.find(claimed.Short()), std::string::npos);
  EXPECT_FALSE(store.Has(claimed));
  EXPECT_EQ(TmpEntries(), 0u);
  EXPECT_TRUE(store.List()->empty());
}

TEST_F(BlobStoreTest, ShortAndLongStreamsAreRejected) {
  BlobStore store(dir_.path());
  std::string data = "0123456789";
  Digest d = Digest::Of(data);
  MemoryReader shorter(data);
  auto r1 = store.Ingest(shorter, d, 11);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kInvalidArgument);
  MemoryReader longer(data);
  auto r2 = store.Ingest(longer, d, 9);
  ASSERT_FALSE(r2);
  EXPECT_FALSE(store.Has(d));
  EXPECT_EQ(TmpEntries(), 0u);
}

TEST_F(BlobStoreTest, InterruptedStreamLeavesNothing) {
  BlobStore store(dir_.path());
  std::string data(100000, 'x');
  FailingReader r(data.substr(0, 5000));
  auto res = store.Ingest(r, Digest::Of(data), static_cast<int64_t>(data.size()));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, ErrorCode::kNetwork);
  EXPECT_TRUE(store.List()->empty());
  EXPECT_EQ(TmpEntries(), 0u);
}

// A reader that must never be read.
class UntouchableReader : public Reader {
 public:
  Result<size_t> Read(std::span<std::byte>) override {
    return MakeError(ErrorCode::kInternal, "read although the blob is present");
  }
};

TEST_F(BlobStoreTest, PresentBlobIsNotReadAgain) {
  BlobStore store(dir_.path());
  auto d = store.Put("config json");
  ASSERT_TRUE(d);
  UntouchableReader never;
  auto r = store.Ingest(never, *d, 11);
  EXPECT_TRUE(r) << r.error().ToString();
}

TEST_F(BlobStoreTest, ConcurrentIngestsOfOneBlobBothSucceed) {
  BlobStore store(dir_.path());
  std::string data(1 << 20, 'z');
  Digest d = Digest::Of(data);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      MemoryReader r(data);
      if (store.Ingest(r, d, static_cast<int64_t>(data.size()))) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(*store.Read(d, 2 << 20), data);
  EXPECT_EQ(TmpEntries(), 0u);
}

TEST_F(BlobStoreTest, RemoveAndList) {
  BlobStore store(dir_.path());
  auto a = store.Put("a");
  auto b = store.Put("b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(store.List()->size(), 2u);
  ASSERT_TRUE(store.Remove(*a));
  ASSERT_TRUE(store.Remove(*a));  // idempotent
  EXPECT_FALSE(store.Has(*a));
  EXPECT_EQ(store.Open(*a).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store.List()->size(), 1u);
}

TEST_F(BlobStoreTest, UncommittedStagesVanish) {
  fs::path staged_path;
  {
    auto f = StagedFile::Create(dir_.path() / "tmp");
    ASSERT_TRUE(f);
    staged_path = f->path();
    EXPECT_TRUE(fs::exists(staged_path));
  }
  EXPECT_FALSE(fs::exists(staged_path));
  {
    auto d = StagedDir::Create(dir_.path() / "tmp");
    ASSERT_TRUE(d);
    ASSERT_TRUE(MakeDirs(d->path() / "a" / "b"));
    staged_path = d->path();
  }
  EXPECT_FALSE(fs::exists(staged_path));
  EXPECT_EQ(TmpEntries(), 0u);
}

TEST_F(BlobStoreTest, StagedCommitRefusesToReplace) {
  auto dest = dir_.path() / "target";
  auto a = StagedDir::Create(dir_.path() / "tmp");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->Commit(dest));
  auto b = StagedDir::Create(dir_.path() / "tmp");
  ASSERT_TRUE(b);
  auto r = b->Commit(dest);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(TmpEntries(), 0u);
}

}  // namespace
}  // namespace berth::store
