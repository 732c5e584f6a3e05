#include "berth/store/partial_blob.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"

namespace berth::store {
namespace {

class PartialBlobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(::testing::TempDir(), "partial-");
    ASSERT_TRUE(t) << t.error().ToString();
    dir_ = std::move(*t);
    for (const char* d : {"blobs/sha256", "tmp", "partial"}) {
      ASSERT_TRUE(MakeDirs(dir_.path() / d));
    }
    blobs_ = std::make_unique<BlobStore>(dir_.path());
  }
  static std::span<const std::byte> Bytes(const std::string& s) { return AsBytes(s); }
  fs::path PartialPath(const Digest& d) { return dir_.path() / "partial" / d.hex(); }

  TempDir dir_;
  std::unique_ptr<BlobStore> blobs_;
  const std::string data_ = std::string(100000, 'x') + "the end";
  const Digest digest_ = Digest::Of(data_);
  const int64_t size_ = static_cast<int64_t>(data_.size());
};

TEST_F(PartialBlobTest, ResumesFromTheBytesAnEarlierAttemptLeft) {
  {
    auto p = PartialBlob::Open(*blobs_, digest_, size_);
    ASSERT_TRUE(p) << p.error().ToString();
    EXPECT_EQ(p->size(), 0u);
    ASSERT_TRUE(p->Append(Bytes(data_.substr(0, 4096))));
  }  // the process "dies": the bytes stay, unverified, outside blobs/
  EXPECT_FALSE(blobs_->Has(digest_));
  EXPECT_EQ(fs::file_size(PartialPath(digest_)), 4096u);

  auto p = PartialBlob::Open(*blobs_, digest_, size_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size(), 4096u);
  ASSERT_TRUE(p->Append(Bytes(data_.substr(4096))));
  ASSERT_TRUE(p->Commit()) << "the hash covers the earlier bytes too";
  EXPECT_TRUE(blobs_->Has(digest_));
  EXPECT_EQ(*blobs_->Read(digest_, 1 << 20), data_);
  EXPECT_FALSE(fs::exists(PartialPath(digest_)));
}

TEST_F(PartialBlobTest, MismatchDropsTheBytesSoTheyAreNotResumedAgain) {
  auto p = PartialBlob::Open(*blobs_, digest_, size_);
  ASSERT_TRUE(p);
  std::string bad = data_;
  bad[10] = 'y';
  ASSERT_TRUE(p->Append(Bytes(bad)));
  auto c = p->Commit();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kDigestMismatch);
  EXPECT_NE(c.error().message.find("expected " + digest_.String()), std::string::npos);
  EXPECT_FALSE(blobs_->Has(digest_));
  EXPECT_FALSE(fs::exists(PartialPath(digest_)));
}

TEST_F(PartialBlobTest, ShortOrLongIsRefused) {
  auto p = PartialBlob::Open(*blobs_, digest_, size_);
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->Append(Bytes(data_.substr(0, 10))));
  auto c = p->Commit();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("got 10 bytes, expected " + std::to_string(size_)),
            std::string::npos);

  auto q = PartialBlob::Open(*blobs_, digest_, size_);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->size(), 0u);
  auto over = q->Append(Bytes(data_ + "!"));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kDigestMismatch);
}

TEST_F(PartialBlobTest, RestartDropsEverything) {
  auto p = PartialBlob::Open(*blobs_, digest_, size_);
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->Append(Bytes("garbage")));
  ASSERT_TRUE(p->Restart());
  EXPECT_EQ(p->size(), 0u);
  ASSERT_TRUE(p->Append(Bytes(data_)));
  EXPECT_TRUE(p->Commit());
}

TEST_F(PartialBlobTest, ASecondDownloaderWaitsAndFindsTheBlobStored) {
  auto opened = PartialBlob::Open(*blobs_, digest_, size_);
  ASSERT_TRUE(opened);
  std::optional<PartialBlob> first(std::move(*opened));
  ASSERT_TRUE(first->Append(Bytes(data_.substr(0, 100))));
  std::atomic<bool> second_done{false};
  bool waited = false;
  bool stored = false;
  std::thread second([&] {
    auto p = PartialBlob::Open(*blobs_, digest_, size_, &waited);
    stored = p && p->stored();
    second_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(second_done) << "the second must wait while the first holds the blob";
  ASSERT_TRUE(first->Append(Bytes(data_.substr(100))));
  ASSERT_TRUE(first->Commit());
  first.reset();  // releases the lock
  second.join();
  EXPECT_TRUE(waited);
  EXPECT_TRUE(stored);
  EXPECT_FALSE(fs::exists(PartialPath(digest_)));
}

TEST_F(PartialBlobTest, AlreadyStoredBlobNeedsNothing) {
  ASSERT_TRUE(blobs_->Put(data_));
  auto p = PartialBlob::Open(*blobs_, digest_, size_);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->stored());
  EXPECT_TRUE(p->Commit());
  EXPECT_FALSE(fs::exists(PartialPath(digest_)));
}

}  // namespace
}  // namespace berth::store
