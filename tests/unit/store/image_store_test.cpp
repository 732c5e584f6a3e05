#include "berth/store/image_store.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "berth/base/temp_dir.hpp"

namespace berth::store {
namespace {

ImageRecord Rec(const std::string& seed, std::vector<std::string> names) {
  ImageRecord r;
  r.manifest = Digest::Of("manifest " + seed);
  r.config = Digest::Of("config " + seed);
  r.names = std::move(names);
  r.created = 1700000000;
  r.size = 1234;
  return r;
}

TEST(ImageStoreTest, JsonRoundTrip) {
  std::vector<ImageRecord> in = {Rec("a", {"docker.io/library/a:latest"}), Rec("b", {})};
  in[0].digests = {"docker.io/library/a@" + in[0].manifest.String()};
  auto out = ImageRecordsFromJson(ImageRecordsToJson(in));
  ASSERT_TRUE(out) << out.error().ToString();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].manifest, in[0].manifest);
  EXPECT_EQ((*out)[0].names, in[0].names);
  EXPECT_EQ((*out)[0].digests, in[0].digests);
  EXPECT_EQ((*out)[1].config, in[1].config);
  EXPECT_FALSE(ImageRecordsFromJson("{\"images\":[{\"manifest\":3}]}"));
}

TEST(ImageStoreTest, PutMovesNamesAndMergesRecords) {
  auto dir = TempDir::Create(::testing::TempDir(), "images-");
  ASSERT_TRUE(dir);
  ImageStore store(dir->path());
  EXPECT_TRUE(store.List()->empty());
  ASSERT_TRUE(store.Put(Rec("a", {"docker.io/library/x:1", "docker.io/library/x:2"})));
  ASSERT_TRUE(store.Put(Rec("b", {"docker.io/library/x:2"})));
  auto list = store.List();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].names, std::vector<std::string>{"docker.io/library/x:1"});
  EXPECT_EQ((*list)[1].names, std::vector<std::string>{"docker.io/library/x:2"});
  ASSERT_TRUE(store.Put(Rec("a", {"docker.io/library/x:3"})));
  list = store.List();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].names,
            (std::vector<std::string>{"docker.io/library/x:1", "docker.io/library/x:3"}));
}

TEST(ImageStoreTest, ConcurrentUpdatesAreNotLost) {
  auto dir = TempDir::Create(::testing::TempDir(), "images-");
  ASSERT_TRUE(dir);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      ImageStore store(dir->path());
      ASSERT_TRUE(store.Put(Rec(std::to_string(i), {"docker.io/library/t:" + std::to_string(i)})));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ImageStore(dir->path()).List()->size(), 8u);
}

TEST(ImageStoreTest, FailedChangeWritesNothing) {
  auto dir = TempDir::Create(::testing::TempDir(), "images-");
  ASSERT_TRUE(dir);
  ImageStore store(dir->path());
  ASSERT_TRUE(store.Put(Rec("a", {"docker.io/library/a:latest"})));
  auto r = store.Update([](std::vector<ImageRecord>& recs) -> Result<void> {
    recs.clear();
    return MakeError(ErrorCode::kInternal, "changed my mind");
  });
  EXPECT_FALSE(r);
  EXPECT_EQ(store.List()->size(), 1u);
}

}  // namespace
}  // namespace berth::store
