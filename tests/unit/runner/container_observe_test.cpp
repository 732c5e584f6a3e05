#include "berth/runner/container_observe.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/runner/container_list.hpp"

namespace berth::runner {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kNow = 1700000000LL * 1000000000;

class ObserveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create(fs::temp_directory_path(), "berth-observe-");
    ASSERT_TRUE(d);
    dir_ = std::move(*d);
    proc_ = dir_.path() / "proc";
    ASSERT_TRUE(MakeDirs(proc_));
    store_ = ContainerStore(dir_.path() / "store");
  }
  // A /proc/<pid>/stat as the kernel writes it; the command name may hold ") (" and spaces.
  void FakeProcess(pid_t pid, char state, uint64_t start_time, const std::string& comm = "sleep") {
    fs::path d = proc_ / std::to_string(pid);
    ASSERT_TRUE(MakeDirs(d));
    std::ofstream(d / "stat") << pid << " (" << comm << ") " << state
                              << " 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 " << start_time
                              << " 2375680 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 "
                                 "0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
  }
  ContainerState Running(pid_t pid, uint64_t pid_start, pid_t monitor, uint64_t monitor_start) {
    ContainerState s;
    s.status = ContainerStatus::kRunning;
    s.pid = pid;
    s.pid_start_time = pid_start;
    s.monitor_pid = monitor;
    s.monitor_start_time = monitor_start;
    s.started_at = kNow - 1000;
    return s;
  }
  ContainerRecord MakeContainer(const std::string& name, const ContainerState& s) {
    ContainerRecord r;
    r.name = name;
    r.created = static_cast<int64_t>(++created_);
    auto c = store_.Create(r);
    EXPECT_TRUE(c) << c.error().ToString();
    EXPECT_TRUE(store_.SaveState(c->id, s));
    return *c;
  }
  TempDir dir_;
  fs::path proc_;
  ContainerStore store_{""};
  int created_ = 0;
};

TEST_F(ObserveTest, ReadsStateAndStartTimeEvenWithAnAwkwardName) {
  FakeProcess(4242, 'S', 987654321, "we ird) (name");
  auto st = ReadProcessStat(proc_, 4242);
  ASSERT_TRUE(st) << st.error().ToString();
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->start_time, 987654321u);
  EXPECT_EQ(ReadProcessStat(proc_, 4243).error().code, ErrorCode::kNotFound);
  std::ofstream(proc_ / "4242" / "stat") << "4242 (x) S 1 2";
  EXPECT_EQ(ReadProcessStat(proc_, 4242).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ObserveTest, TheRealProcMatchesOurParser) {
  auto mine = ProcessStartTime("/proc", ::getpid());
  ASSERT_TRUE(mine) << mine.error().ToString();
  EXPECT_GT(*mine, 0u);
  EXPECT_TRUE(ProcessAlive("/proc", ::getpid(), *mine));
  EXPECT_FALSE(ProcessAlive("/proc", ::getpid(), *mine + 1));
}

TEST_F(ObserveTest, AliveMeansPresentNotZombieAndSameStart) {
  FakeProcess(10, 'S', 500);
  FakeProcess(11, 'Z', 500);
  EXPECT_TRUE(ProcessAlive(proc_, 10, 500));
  EXPECT_TRUE(ProcessAlive(proc_, 10, 0));     // start time unknown: the pid is trusted
  EXPECT_FALSE(ProcessAlive(proc_, 10, 501));  // the pid was reused
  EXPECT_FALSE(ProcessAlive(proc_, 11, 500));  // exited, not yet reaped
  EXPECT_FALSE(ProcessAlive(proc_, 12, 0));
  EXPECT_FALSE(ProcessAlive(proc_, 0, 0));
}

TEST_F(ObserveTest, RunningWithALiveProcessStaysRunning) {
  FakeProcess(100, 'S', 7);
  StateCheck c = CheckState(Running(100, 7, 99, 6), proc_, kNow);
  EXPECT_FALSE(c.stale);
  EXPECT_EQ(c.state, Running(100, 7, 99, 6));
}

TEST_F(ObserveTest, ProcessGoneButMonitorAliveIsLeftToTheMonitor) {
  FakeProcess(99, 'S', 6);
  StateCheck c = CheckState(Running(100, 7, 99, 6), proc_, kNow);
  EXPECT_FALSE(c.stale);
  EXPECT_EQ(c.state.status, ContainerStatus::kRunning);
}

TEST_F(ObserveTest, ProcessAndMonitorGoneIsExitedWithUnknownCode) {
  FakeProcess(99, 'S', 1234);  // a different process now has the monitor's pid
  ContainerState recorded = Running(100, 7, 99, 6);
  StateCheck c = CheckState(recorded, proc_, kNow);
  EXPECT_TRUE(c.stale);
  EXPECT_EQ(c.state.status, ContainerStatus::kExited);
  EXPECT_EQ(c.state.exit_code, kUnknownExitCode);
  EXPECT_EQ(c.state.pid, 0);
  EXPECT_EQ(c.state.finished_at, kNow);
  EXPECT_EQ(c.state.started_at, recorded.started_at);
  EXPECT_FALSE(c.state.error.empty());
}

TEST_F(ObserveTest, OtherStatusesAreBelieved) {
  for (auto st : {ContainerStatus::kCreated, ContainerStatus::kExited, ContainerStatus::kStopped}) {
    ContainerState s = Running(100, 0, 99, 0);
    s.status = st;
    StateCheck c = CheckState(s, proc_, kNow);
    EXPECT_FALSE(c.stale);
    EXPECT_EQ(c.state, s);
  }
}

TEST_F(ObserveTest, ObservedStateSavesTheCorrectionOnlyWhenAllowed) {
  ContainerRecord c = MakeContainer("ghost", Running(100, 7, 99, 6));
  auto seen = ObservedState(store_, c.id, {.proc_root = proc_, .save = false});
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->status, ContainerStatus::kExited);
  EXPECT_EQ(store_.LoadState(c.id)->status, ContainerStatus::kRunning);

  seen = ObservedState(store_, c.id, {.proc_root = proc_, .save = true});
  ASSERT_TRUE(seen);
  auto saved = store_.LoadState(c.id);
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->status, ContainerStatus::kExited);
  EXPECT_EQ(saved->exit_code, kUnknownExitCode);
  EXPECT_EQ(ObservedState(store_, "f00", {.proc_root = proc_}).error().code, ErrorCode::kNotFound);
}

TEST_F(ObserveTest, ListShowsRunningOnlyUnlessAskedAndFilters) {
  FakeProcess(200, 'S', 1);
  ContainerState exited;
  exited.status = ContainerStatus::kExited;
  exited.exit_code = 3;
  ContainerRecord web = MakeContainer("web", Running(200, 1, 0, 0));
  ContainerRecord db = MakeContainer("db", exited);
  ContainerRecord ghost = MakeContainer("web-ghost", Running(201, 0, 0, 0));
  ContainerRecord fresh = MakeContainer("fresh", ContainerState{});
  auto names = [&](ListOptions o, std::vector<std::string> filters = {}) {
    o.observe.proc_root = proc_;
    auto f = ParseContainerFilters(filters);
    EXPECT_TRUE(f) << f.error().ToString();
    o.filters = *f;
    auto l = ListContainers(store_, o);
    EXPECT_TRUE(l) << l.error().ToString();
    std::vector<std::string> out;
    for (const auto& e : *l) out.push_back(e.record.name);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names({}), V{"web"});
  EXPECT_EQ(names({.all = true}), (V{"web", "db", "web-ghost", "fresh"}));
  EXPECT_EQ(names({}, {"status=exited"}), (V{"db", "web-ghost"}));
  EXPECT_EQ(names({}, {"status=stopped"}), (V{"db", "web-ghost"}));
  EXPECT_EQ(names({.all = true}, {"name=^web"}), (V{"web", "web-ghost"}));
  EXPECT_EQ(names({.all = true}, {"name=^web$", "name=db"}), (V{"web", "db"}));
  EXPECT_EQ(names({.all = true}, {"name=web", "status=running"}), V{"web"});
  EXPECT_EQ(names({.all = true}, {"id=" + db.id.substr(0, 5)}), V{"db"});
  EXPECT_EQ(names({.all = true}, {"exited=3"}), V{"db"});
  EXPECT_EQ(names({.last = 2}), (V{"web-ghost", "fresh"}));
  EXPECT_EQ(names({.latest = true}), V{"fresh"});
  // The ghost's correction was saved on the way.
  EXPECT_EQ(store_.LoadState(ghost.id)->exit_code, kUnknownExitCode);
  (void)web;
  (void)fresh;
}

TEST_F(ObserveTest, BadFiltersAreRejected) {
  for (const char* bad : {"name", "colour=red", "status=sleeping", "name=(", "exited=x"}) {
    auto f = ParseContainerFilters({bad});
    EXPECT_FALSE(f) << bad;
    if (!f) {
      EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument) << bad;
    }
  }
}

}  // namespace
}  // namespace berth::runner
