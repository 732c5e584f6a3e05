#include "berth/runner/volume_store.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/tree_dump.hpp"

namespace berth::runner {
namespace {

class VolumeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create(::testing::TempDir(), "volumes-");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
    auto store = store::Store::Open(dir_.path() / "root");
    ASSERT_TRUE(store) << store.error().ToString();
    store_.emplace(std::move(*store));
    auto volumes = VolumeStore::Open(*store_);
    ASSERT_TRUE(volumes) << volumes.error().ToString();
    volumes_.emplace(std::move(*volumes));
  }

  fs::path Root() const { return dir_.path() / "root"; }
  VolumeStore& V() { return *volumes_; }
  std::vector<std::string> Names() {
    auto list = V().List();
    EXPECT_TRUE(list) << list.error().ToString();
    std::vector<std::string> out;
    if (list) {
      for (const auto& v : *list) out.push_back(v.name);
    }
    return out;
  }
  bool TmpEmpty() { return ListDir(Root() / "tmp")->empty(); }

  TempDir dir_;
  std::optional<store::Store> store_;
  std::optional<VolumeStore> volumes_;
};

TEST_F(VolumeStoreTest, CreateWritesDataDirAndRecord) {
  CreateVolumeOptions o;
  o.name = "myvol";
  o.labels = {{"app", "db"}, {"tier", "1"}};
  auto v = V().Create(o);
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(v->name, "myvol");
  EXPECT_EQ(v->driver, "local");
  EXPECT_EQ(v->scope, "local");
  EXPECT_EQ(v->labels, o.labels);
  EXPECT_TRUE(v->options.empty());
  EXPECT_FALSE(v->anonymous);
  EXPECT_TRUE(v->needs_copy_up);
  EXPECT_EQ(v->mountpoint, Root() / "volumes" / "myvol" / "_data");
  int64_t secs = 0;
  EXPECT_TRUE(ParseRfc3339(v->created_at, &secs)) << v->created_at;
  EXPECT_LE(std::abs(secs - static_cast<int64_t>(::time(nullptr))), 5);

  struct stat st;
  ASSERT_EQ(::stat(v->mountpoint.c_str(), &st), 0) << testing::DumpTree(Root());
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_TRUE(ListDir(v->mountpoint)->empty());
  auto json = ReadFile(Root() / "volumes" / "myvol" / "volume.json");
  ASSERT_TRUE(json);
  EXPECT_NE(json->find("\"Name\": \"myvol\""), std::string::npos) << *json;

  auto got = V().Get("myvol");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, *v);
  EXPECT_EQ(Names(), std::vector<std::string>{"myvol"});
  EXPECT_TRUE(TmpEmpty());
}

TEST_F(VolumeStoreTest, CreateRefusesATakenName) {
  ASSERT_TRUE(V().Create({"dup", {}}));
  auto again = V().Create({"dup", {{"x", "y"}}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message, "create volume 'dup': volume with name 'dup' already exists");
  EXPECT_TRUE(V().Get("dup")->labels.empty());  // the first one is untouched
  EXPECT_TRUE(TmpEmpty());
}

TEST_F(VolumeStoreTest, NamesFollowPodmansRule) {
  for (const std::string& good :
       std::vector<std::string>{"a", "A9", "0_x.y-z", std::string(255, 'v')}) {
    EXPECT_TRUE(IsValidVolumeName(good)) << good;
    EXPECT_TRUE(V().Create({good, {}})) << good;
  }
  for (const std::string& bad : std::vector<std::string>{"", "-a", ".a", "_a", "a/b", "..", "a b",
                                                         "a:b", "é", std::string(256, 'v')}) {
    EXPECT_FALSE(IsValidVolumeName(bad)) << bad;
    if (bad.empty()) continue;  // empty means anonymous to Create
    auto r = V().Create({bad, {}});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message.find("names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"),
              std::string::npos)
        << r.error().message;
  }
  EXPECT_EQ(ListDir(Root() / "volumes")->size(), 4u);
}

TEST_F(VolumeStoreTest, AnonymousVolumesGetRandomHexNames) {
  auto a = V().Create({});
  auto b = V().Create({});
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->anonymous);
  EXPECT_EQ(a->name.size(), 64u);
  EXPECT_EQ(a->name.find_first_not_of("0123456789abcdef"), std::string::npos) << a->name;
  EXPECT_NE(a->name, b->name);
  EXPECT_TRUE(V().Get(a->name)->anonymous);
}

TEST_F(VolumeStoreTest, GetAndFind) {
  ASSERT_TRUE(V().Create({"alpha", {}}));
  ASSERT_TRUE(V().Create({"alpine", {}}));
  ASSERT_TRUE(V().Create({"beta", {}}));
  auto missing = V().Get("gamma");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "no such volume 'gamma'");
  // A name is never a path: nothing outside volumes/ can be named.
  ASSERT_TRUE(MakeDirs(Root() / "volumes" / ".." / "escape"));
  EXPECT_EQ(V().Get("../escape").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(V().Find("../escape").error().code, ErrorCode::kNotFound);

  EXPECT_EQ(V().Find("beta")->name, "beta");
  EXPECT_EQ(V().Find("b")->name, "beta");
  EXPECT_EQ(V().Find("alph")->name, "alpha");
  EXPECT_EQ(V().Find("alpha")->name, "alpha");  // exact wins over being a prefix
  auto ambiguous = V().Find("al");
  ASSERT_FALSE(ambiguous);
  EXPECT_EQ(ambiguous.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ambiguous.error().message, "more than one volume matches 'al'");
  EXPECT_EQ(V().Find("z").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(V().Find("").error().code, ErrorCode::kNotFound);
}

TEST_F(VolumeStoreTest, ListIsSortedAndSkipsStrayFiles) {
  for (const char* n : {"c", "a", "b"}) ASSERT_TRUE(V().Create({n, {}}));
  ASSERT_TRUE(WriteFileAtomic(Root() / "volumes" / ".stray", "x"));
  EXPECT_EQ(Names(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(VolumeStoreTest, RemoveRespectsUsersUnlessForced) {
  auto v = V().Create({"data", {}});
  ASSERT_TRUE(v);
  ASSERT_TRUE(WriteFileAtomic(v->mountpoint / "file", "payload"));
  VolumeUsers users = {{"data", {"web", "worker"}}, {"other", {}}};
  auto busy = V().Remove("data", false, users);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kBusy);
  EXPECT_EQ(busy.error().message,
            "remove volume 'data': it is being used by container(s) web, worker");
  EXPECT_TRUE(V().Get("data"));
  ASSERT_TRUE(V().Remove("data", true, users));
  EXPECT_FALSE(fs::exists(Root() / "volumes" / "data"));
  EXPECT_TRUE(Names().empty());
  EXPECT_TRUE(TmpEmpty()) << testing::DumpTree(Root() / "tmp");

  auto gone = V().Remove("data", false, {});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(gone.error().message, "remove volume 'data': no such volume");
  EXPECT_EQ(V().Remove("../root", true, {}).error().code, ErrorCode::kNotFound);
  // A user list that is empty does not hold the volume.
  ASSERT_TRUE(V().Create({"other", {}}));
  EXPECT_TRUE(V().Remove("other", false, users));
}

TEST_F(VolumeStoreTest, PruneRemovesEveryUnusedVolume) {
  for (const char* n : {"keep", "drop1", "drop2"}) ASSERT_TRUE(V().Create({n, {}}));
  auto anon = V().Create({});
  ASSERT_TRUE(anon);
  auto removed = V().Prune({{"keep", {"c1"}}});
  ASSERT_TRUE(removed) << removed.error().ToString();
  std::vector<std::string> want = {"drop1", "drop2", anon->name};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(*removed, want);
  EXPECT_EQ(Names(), std::vector<std::string>{"keep"});
  EXPECT_TRUE(V().Prune({{"keep", {"c1"}}})->empty());
  EXPECT_TRUE(TmpEmpty());
}

TEST_F(VolumeStoreTest, EnsureCreatesOnceAndThenReturnsTheSameVolume) {
  auto first = V().Ensure("cache");
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_FALSE(first->anonymous);
  auto second = V().Ensure("cache");
  ASSERT_TRUE(second);
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(V().Ensure("bad/name").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(VolumeStoreTest, MarkCopiedUpPersistsAndIsIdempotent) {
  ASSERT_TRUE(V().Create({"v", {}}));
  ASSERT_TRUE(V().MarkCopiedUp("v"));
  EXPECT_FALSE(V().Get("v")->needs_copy_up);
  EXPECT_TRUE(V().MarkCopiedUp("v"));
  EXPECT_FALSE(V().Get("v")->needs_copy_up);
  EXPECT_EQ(V().MarkCopiedUp("nope").error().code, ErrorCode::kNotFound);
}

TEST_F(VolumeStoreTest, ABrokenRecordIsReportedAndCanStillBeRemoved) {
  ASSERT_TRUE(V().Create({"good", {}}));
  ASSERT_TRUE(V().Create({"bad", {}}));
  ASSERT_TRUE(WriteFileAtomic(Root() / "volumes" / "bad" / "volume.json", "{not json"));
  auto list = V().List();
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(list.error().message.rfind("list volumes: read volume 'bad': parse volume.json", 0), 0u)
      << list.error().message;
  ASSERT_TRUE(V().Remove("bad", false, {}));
  EXPECT_EQ(Names(), std::vector<std::string>{"good"});
}

TEST_F(VolumeStoreTest, ConcurrentCreatesOfOneNameLetExactlyOneWin) {
  std::atomic<int> won{0}, exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto r = V().Create({"shared", {{"by", std::to_string(i)}}});
      if (r)
        ++won;
      else if (r.error().code == ErrorCode::kAlreadyExists)
        ++exists;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(exists.load(), 5);
  EXPECT_EQ(Names(), std::vector<std::string>{"shared"});
  EXPECT_TRUE(TmpEmpty());
}

// A berth killed at any instant while creating and removing volumes leaves only whole
// volumes visible: each entry of volumes/ has its record and its _data.
TEST_F(VolumeStoreTest, AKilledWriterLeavesOnlyWholeVolumes) {
  for (int round = 0; round < 6; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0;; ++i) {
        std::string name = "r" + std::to_string(round) + "-" + std::to_string(i);
        (void)V().Create({name, {{"i", std::to_string(i)}}});
        if (i % 2) (void)V().Remove(name, false, {});
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(3 + 7 * round));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    auto entries = ListDir(Root() / "volumes");
    ASSERT_TRUE(entries);
    for (const auto& e : *entries) {
      auto v = V().Get(e);
      ASSERT_TRUE(v) << e << ": " << v.error().ToString() << "\n" << testing::DumpTree(Root());
      struct stat st;
      EXPECT_EQ(::stat(v->mountpoint.c_str(), &st), 0) << e;
    }
    auto list = V().List();
    ASSERT_TRUE(list) << list.error().ToString();
    EXPECT_EQ(list->size(), entries->size());
  }
  // What the kills left in tmp/ (a stage or a half-deleted volume) is garbage collection's.
  ASSERT_TRUE(store_->GarbageCollect());
  EXPECT_TRUE(TmpEmpty());
}

TEST(VolumeJsonTest, RoundTripKeepsFieldsAndIgnoresTheStoredMountpoint) {
  VolumeRecord v;
  v.name = "n";
  v.mountpoint = "/old/root/volumes/n/_data";
  v.created_at = "2024-01-02T03:04:05.5Z";
  v.labels = {{"k", "v"}};
  v.anonymous = true;
  v.needs_copy_up = false;
  auto back = ParseVolumeJson(VolumeToJson(v), "/new/volumes/n/_data");
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->mountpoint, fs::path("/new/volumes/n/_data"));
  back->mountpoint = v.mountpoint;
  EXPECT_EQ(*back, v);
  EXPECT_FALSE(ParseVolumeJson("{\"Name\": 3}", "/x"));
  EXPECT_FALSE(ParseVolumeJson("[]", "/x"));
}

TEST(VolumeJsonTest, InspectShapeHasMountCountWhereThePodmanOneHasIt) {
  VolumeRecord v;
  v.name = "n";
  EXPECT_EQ(VolumeToJson(v).find("MountCount"), std::string::npos) << "not kept in the file";
  auto j = nlohmann::ordered_json::parse(VolumeToJson(v, 2));
  std::vector<std::string> keys;
  for (const auto& [k, value] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"Name", "Driver", "Mountpoint", "CreatedAt", "Labels",
                                            "Scope", "Options", "Anonymous", "MountCount",
                                            "NeedsCopyUp"}));
  EXPECT_EQ(j["MountCount"], 2);
}

}  // namespace
}  // namespace berth::runner
