#include "berth/runner/container_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/runner/run_options.hpp"

namespace berth::runner {
namespace {

namespace fs = std::filesystem;

class ContainerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create(fs::temp_directory_path(), "berth-ctr-");
    ASSERT_TRUE(d);
    dir_ = std::move(*d);
  }
  ContainerRecord Make(const std::string& name, int64_t created) {
    ContainerRecord r;
    r.name = name;
    r.image = "busybox";
    r.created = created;
    r.command = {"sh"};
    auto c = store().Create(r);
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? *c : ContainerRecord{};
  }
  ContainerStore& store() { return store_; }
  TempDir dir_;
  ContainerStore store_{fs::temp_directory_path()};
};

TEST_F(ContainerStoreTest, CreateGivesIdNameHostnameAndLayout) {
  store_ = ContainerStore(dir_.path());
  ContainerRecord c = Make("", 1);
  EXPECT_EQ(c.id.size(), 64u);
  EXPECT_EQ(c.hostname, c.id.substr(0, 12));
  EXPECT_NE(c.name.find('_'), std::string::npos) << c.name;
  for (const char* sub : {"upper", "work", "merged", "userdata"}) {
    EXPECT_TRUE(fs::is_directory(store_.Dir(c.id) / sub)) << sub;
  }
  auto state = store_.LoadState(c.id);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->status, ContainerStatus::kCreated);
  auto tmp = ListDir(dir_.path() / "tmp");
  ASSERT_TRUE(tmp);
  EXPECT_TRUE(tmp->empty());
}

TEST_F(ContainerStoreTest, FindByNameIdAndPrefix) {
  store_ = ContainerStore(dir_.path());
  ContainerRecord a = Make("web", 1);
  ContainerRecord b = Make("db", 2);
  EXPECT_EQ(store_.Find("web")->id, a.id);
  EXPECT_EQ(store_.Find(b.id)->name, "db");
  EXPECT_EQ(store_.Find(a.id.substr(0, 12))->name, "web");
  auto missing = store_.Find("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto all = store_.List();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "web");  // oldest first
}

TEST_F(ContainerStoreTest, NamesAreUniqueAndValid) {
  store_ = ContainerStore(dir_.path());
  Make("web", 1);
  ContainerRecord r;
  r.name = "web";
  auto dup = store_.Create(r);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  r.name = "-bad";
  EXPECT_EQ(store_.Create(r).error().code, ErrorCode::kInvalidArgument);
  r.name = "a/b";
  EXPECT_EQ(store_.Create(r).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ContainerStoreTest, StateRoundTripsAndRemoveIsIdempotent) {
  store_ = ContainerStore(dir_.path());
  ContainerRecord c = Make("x", 1);
  ContainerState s;
  s.status = ContainerStatus::kExited;
  s.exit_code = 137;
  s.oom_killed = true;
  s.pid = 0;
  s.monitor_pid = 42;
  s.pid_start_time = 123456789012;
  s.monitor_start_time = 77;
  s.started_at = 5;
  s.finished_at = 6;
  s.error = "boom";
  ASSERT_TRUE(store_.SaveState(c.id, s));
  auto back = store_.LoadState(c.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  ASSERT_TRUE(store_.Remove(c.id));
  EXPECT_FALSE(fs::exists(store_.Dir(c.id)));
  EXPECT_TRUE(store_.Remove(c.id));
  EXPECT_EQ(store_.Find("x").error().code, ErrorCode::kNotFound);
}

TEST_F(ContainerStoreTest, RecordKeepsRestartingAndTheRunOptions) {
  store_ = ContainerStore(dir_.path());
  ContainerRecord c = Make("r", 1);
  EXPECT_FALSE(c.restarting);
  RunOptions o;
  o.image = "busybox";
  o.init = true;
  o.process.tty = true;
  o.interactive = true;
  c.config_json = RunOptionsToJson(o);
  c.restarting = true;
  ASSERT_TRUE(store_.SaveRecord(c));
  auto back = store_.Find("r");
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->restarting);
  auto opts = RunOptionsFromJson(back->config_json);
  ASSERT_TRUE(opts) << opts.error().ToString();
  EXPECT_TRUE(opts->init);
  EXPECT_TRUE(opts->process.tty);
  EXPECT_TRUE(opts->interactive);
  EXPECT_FALSE(RunOptionsFromJson(RunOptionsToJson(RunOptions{}))->init);
}

}  // namespace
}  // namespace berth::runner
