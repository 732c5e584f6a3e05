// ContainerCgroup against fake cgroup trees in a temp dir. The kernel creates a cgroup's
// interface files when the directory is made and drops them when it is removed; the fake
// trees pre-create the directories with their files (Create takes over an existing
// directory without processes), and EmulateRemovable() drops the files before Destroy.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/runner/container_cgroup.hpp"

namespace berth::runner {
namespace {

using Mode = CgroupLayout::Mode;
constexpr int64_t kMiB = 1 << 20;
constexpr const char* kV1Max = "9223372036854771712\n";

// Writes a fake interface file (no fsync: the tree is thrown away).
void Put(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << file;
}

void Files(const fs::path& dir, const std::map<std::string, std::string>& files) {
  ASSERT_TRUE(MakeDirs(dir));
  for (const auto& [name, content] : files) Put(dir / name, content);
}

std::string Read(const fs::path& file) {
  auto text = ReadFile(file);
  return text ? *text : "<" + text.error().ToString() + ">";
}

// Drops the regular files under `dir`, as the kernel does when a cgroup is removed.
void EmulateRemovable(const fs::path& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) fs::remove(entry.path());
  }
}

class CgroupContainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(::testing::TempDir(), "cgroup-fake-");
    ASSERT_TRUE(t);
    tmp_ = std::move(*t);
  }

  // A hybrid host like this project's machines: v1 cpu,cpuacct, cpuset, devices, memory,
  // pids, and a cgroup2 tree without controllers; "berth/c1" already made by "the kernel".
  CgroupLayout FakeHybrid(bool with_swap = true) {
    fs::path r = tmp_.path();
    CgroupLayout layout{Mode::kHybrid,
                        r / "unified",
                        {{"cpu", r / "cpu,cpuacct"},
                         {"cpuacct", r / "cpu,cpuacct"},
                         {"cpuset", r / "cpuset"},
                         {"devices", r / "devices"},
                         {"memory", r / "memory"},
                         {"pids", r / "pids"}}};
    std::map<std::string, std::string> memory = {
        {"memory.limit_in_bytes", kV1Max},
        {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"}};
    if (with_swap) memory["memory.memsw.limit_in_bytes"] = kV1Max;
    Files(r / "memory", memory);
    Files(r / "cpu,cpuacct", {{"cpu.cfs_quota_us", "-1\n"}});
    Files(r / "cpuset", {{"cpuset.cpus", "0-3\n"}, {"cpuset.mems", "0\n"}});
    Files(r / "cpuset/berth", {{"cpuset.cpus", "\n"}, {"cpuset.mems", "\n"}});
    Files(r / "pids", {});
    Files(r / "devices", {});
    Files(r / "unified", {{"cgroup.controllers", ""}});
    for (const auto& [dir, files] : std::map<std::string, std::map<std::string, std::string>>{
             {"memory", memory},
             {"cpu,cpuacct",
              {{"cpu.cfs_period_us", "100000\n"},
               {"cpu.cfs_quota_us", "-1\n"},
               {"cpu.shares", "1024\n"}}},
             {"cpuset", {{"cpuset.cpus", "\n"}, {"cpuset.mems", "\n"}}},
             {"pids", {{"pids.max", "max\n"}}},
             {"devices", {{"devices.allow", ""}, {"devices.deny", ""}}},
             {"unified", {{"cgroup.kill", ""}}},
         }) {
      auto with_procs = files;
      with_procs["cgroup.procs"] = "";
      Files(r / dir / "berth/c1", with_procs);
    }
    return layout;
  }

  // A pure v2 host with every controller; "berth/c1" already made by "the kernel".
  CgroupLayout FakeV2() {
    fs::path r = tmp_.path() / "v2";
    Files(r, {{"cgroup.controllers", "cpuset cpu io memory pids\n"},
              {"cgroup.subtree_control", "cpu cpuset io memory\n"}});
    Files(r / "berth",
          {{"cgroup.controllers", "cpuset cpu io memory pids\n"}, {"cgroup.subtree_control", ""}});
    Files(r / "berth/c1",
          {{"cgroup.procs", ""},
           {"cgroup.kill", ""},
           {"memory.max", "max\n"},
           {"memory.swap.max", "max\n"},
           {"cpu.max", "max 100000\n"},
           {"cpu.weight", "100\n"},
           {"cpuset.cpus", "\n"},
           {"pids.max", "max\n"},
           {"memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"}});
    return {Mode::kV2, r, {}};
  }

  static CgroupPlan Plan(const CgroupLayout& layout, const ResourceLimits& limits,
                         const std::vector<DeviceRule>& devices = {}) {
    auto support = ProbeCgroupSupport(layout);
    EXPECT_TRUE(support) << support.error().ToString();
    auto plan = PlanCgroup(layout, *support, limits, devices);
    EXPECT_TRUE(plan) << plan.error().ToString();
    return *plan;
  }

  TempDir tmp_;
};

const ResourceLimits kAll = {.memory = 64 * kMiB,
                             .memory_swap = 96 * kMiB,
                             .cpus = 0.5,
                             .cpu_shares = 512,
                             .cpuset_cpus = "1",
                             .pids_limit = 20};

TEST_F(CgroupContainerTest, HybridCreateWritesEveryHierarchy) {
  CgroupLayout layout = FakeHybrid();
  fs::path r = tmp_.path();
  auto cg = ContainerCgroup::Create(layout, "berth/c1", Plan(layout, kAll, DefaultDeviceRules()));
  ASSERT_TRUE(cg) << cg.error().ToString();
  EXPECT_EQ(cg->Paths(), (std::vector<fs::path>{r / "cpu,cpuacct/berth/c1", r / "cpuset/berth/c1",
                                                r / "devices/berth/c1", r / "memory/berth/c1",
                                                r / "pids/berth/c1", r / "unified/berth/c1"}));
  EXPECT_EQ(Read(r / "memory/berth/c1/memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(Read(r / "memory/berth/c1/memory.memsw.limit_in_bytes"), "100663296");
  EXPECT_EQ(Read(r / "cpu,cpuacct/berth/c1/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(Read(r / "cpu,cpuacct/berth/c1/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(Read(r / "cpu,cpuacct/berth/c1/cpu.shares"), "512");
  EXPECT_EQ(Read(r / "pids/berth/c1/pids.max"), "20");
  // A fake file keeps only the last write; the whole sequence is in the plan test.
  EXPECT_EQ(Read(r / "devices/berth/c1/devices.deny"), "a *:* rwm");
  EXPECT_EQ(Read(r / "devices/berth/c1/devices.allow"), "c 136:* rwm");
  // cpuset: the empty parent got the root's lists, the container its own cpus.
  EXPECT_EQ(Read(r / "cpuset/berth/cpuset.cpus"), "0-3");
  EXPECT_EQ(Read(r / "cpuset/berth/cpuset.mems"), "0");
  EXPECT_EQ(Read(r / "cpuset/berth/c1/cpuset.cpus"), "1");
  EXPECT_EQ(Read(r / "cpuset/berth/c1/cpuset.mems"), "0");

  auto limits = cg->ReadLimits();
  ASSERT_TRUE(limits) << limits.error().ToString();
  EXPECT_EQ(*limits, kAll);

  ASSERT_TRUE(cg->AddProcess(4242));
  for (const fs::path& dir : cg->Paths()) EXPECT_EQ(Read(dir / "cgroup.procs"), "4242") << dir;
  auto procs = cg->Processes();
  ASSERT_TRUE(procs);
  EXPECT_EQ(*procs, std::vector<pid_t>{4242});
  for (const fs::path& dir : cg->Paths()) Put(dir / "cgroup.procs", "");

  for (const fs::path& dir : cg->Paths()) EmulateRemovable(dir);
  Put(r / "unified/berth/c1/cgroup.kill", "");
  // cgroup.kill is still there, so the fake directory cannot be removed yet.
  auto busy = cg->Destroy();
  ASSERT_FALSE(busy);
  EXPECT_NE(busy.error().message.find("rmdir"), std::string::npos) << busy.error().message;
  EXPECT_EQ(Read(r / "unified/berth/c1/cgroup.kill"), "1");
  fs::remove(r / "unified/berth/c1/cgroup.kill");
  ASSERT_TRUE(cg->Destroy());  // a second try finishes the job
  EXPECT_TRUE(cg->Paths().empty());
  for (const char* h : {"cpu,cpuacct", "cpuset", "devices", "memory", "pids", "unified"}) {
    EXPECT_FALSE(fs::exists(r / h / "berth/c1")) << h;
    EXPECT_TRUE(fs::exists(r / h / "berth")) << h;  // not made by Create: stays
  }
  EXPECT_TRUE(cg->Destroy());  // idempotent
}

TEST_F(CgroupContainerTest, V2CreateEnablesControllersAndWrites) {
  CgroupLayout layout = FakeV2();
  fs::path r = layout.unified;
  auto cg = ContainerCgroup::Create(layout, "berth/c1", Plan(layout, kAll));
  ASSERT_TRUE(cg) << cg.error().ToString();
  EXPECT_EQ(cg->Paths(), std::vector<fs::path>{r / "berth/c1"});
  // The root had every controller but pids enabled; "berth" had none (the fake file keeps
  // the last write of "+cpu", "+cpuset", ...).
  EXPECT_EQ(Read(r / "cgroup.subtree_control"), "+pids");
  EXPECT_EQ(Read(r / "berth/cgroup.subtree_control"), "+pids");
  fs::path c1 = r / "berth/c1";
  EXPECT_EQ(Read(c1 / "memory.max"), "67108864");
  EXPECT_EQ(Read(c1 / "memory.swap.max"), "33554432");
  EXPECT_EQ(Read(c1 / "cpu.max"), "50000 100000");
  EXPECT_EQ(Read(c1 / "cpu.weight"), "20");
  EXPECT_EQ(Read(c1 / "cpuset.cpus"), "1");
  EXPECT_EQ(Read(c1 / "pids.max"), "20");

  auto limits = cg->ReadLimits();
  ASSERT_TRUE(limits);
  ResourceLimits want = kAll;
  want.cpu_shares = 501;  // cpu.weight 20 read back
  EXPECT_EQ(*limits, want);

  auto oom = cg->OomKilled();
  ASSERT_TRUE(oom);
  EXPECT_FALSE(*oom);
  Put(c1 / "memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n");
  oom = cg->OomKilled();
  ASSERT_TRUE(oom);
  EXPECT_TRUE(*oom);

  EmulateRemovable(c1);
  ASSERT_TRUE(cg->Destroy());
  EXPECT_FALSE(fs::exists(c1));
  auto gone = cg->OomKilled();
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST_F(CgroupContainerTest, V1OomKilledReadsOomControl) {
  CgroupLayout layout = FakeHybrid();
  auto cg = ContainerCgroup::Create(layout, "berth/c1", Plan(layout, {.memory = 32 * kMiB}));
  ASSERT_TRUE(cg) << cg.error().ToString();
  auto oom = cg->OomKilled();
  ASSERT_TRUE(oom);
  EXPECT_FALSE(*oom);
  Put(tmp_.path() / "memory/berth/c1/memory.oom_control",
      "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  oom = cg->OomKilled();
  ASSERT_TRUE(oom);
  EXPECT_TRUE(*oom);
  cg->Release();  // the temp dir goes anyway
}

TEST_F(CgroupContainerTest, UnlimitedReadsBackAsUnset) {
  CgroupLayout layout = FakeHybrid(/*with_swap=*/false);
  auto cg = ContainerCgroup::Create(layout, "berth/c1", Plan(layout, {}));
  ASSERT_TRUE(cg);
  auto limits = cg->ReadLimits();
  ASSERT_TRUE(limits);
  // What v1 reports for a fresh cgroup: default shares and the inherited cpu list.
  EXPECT_EQ(*limits, (ResourceLimits{.cpu_shares = 1024, .cpuset_cpus = "0-3"}));
  cg->Release();
}

TEST_F(CgroupContainerTest, CreateMakesParentsAndDestroyRemovesOnlyThose) {
  fs::path r = tmp_.path();
  ASSERT_TRUE(MakeDirs(r / "memory/keep"));
  CgroupLayout layout{Mode::kV1, {}, {{"memory", r / "memory"}}};
  {
    auto a = ContainerCgroup::Create(layout, "berth/x/a", {});
    ASSERT_TRUE(a) << a.error().ToString();
    auto b = ContainerCgroup::Create(layout, "berth/x/b", {});
    ASSERT_TRUE(b);
    auto k = ContainerCgroup::Create(layout, "keep/k", {});
    ASSERT_TRUE(k);
    EXPECT_TRUE(fs::is_directory(r / "memory/berth/x/a"));
    EXPECT_TRUE(fs::is_directory(r / "memory/berth/x/b"));
    ASSERT_TRUE(a->Destroy());
    EXPECT_FALSE(fs::exists(r / "memory/berth/x/a"));
    EXPECT_TRUE(fs::exists(r / "memory/berth/x/b"));  // the parents a made are still in use
  }                                                   // b and k destroyed by their destructors
  EXPECT_FALSE(fs::exists(r / "memory/keep/k"));
  EXPECT_TRUE(fs::exists(r / "memory/keep"));  // existed before
  // b did not make berth/x (a did), so it stays; only directories a handle made go.
  EXPECT_TRUE(fs::exists(r / "memory/berth/x"));
  EXPECT_FALSE(fs::exists(r / "memory/berth/x/b"));
}

TEST_F(CgroupContainerTest, FailedCreateRemovesWhatItMade) {
  fs::path r = tmp_.path();
  ASSERT_TRUE(MakeDirs(r / "memory"));
  CgroupLayout layout{Mode::kV1, {}, {{"memory", r / "memory"}}};
  CgroupPlan plan;
  plan.writes.push_back({"memory", "memory.limit_in_bytes", "67108864"});
  // A plain mkdir makes no interface files, so the write fails.
  auto cg = ContainerCgroup::Create(layout, "berth/c1", plan);
  ASSERT_FALSE(cg);
  EXPECT_EQ(cg.error().code, ErrorCode::kNotFound);
  EXPECT_NE(cg.error().message.find("write '67108864' to"), std::string::npos)
      << cg.error().message;
  EXPECT_NE(cg.error().message.find("memory.limit_in_bytes"), std::string::npos);
  EXPECT_EQ(cg.error().message.rfind("create cgroup 'berth/c1': ", 0), 0u);
  EXPECT_FALSE(fs::exists(r / "memory/berth"));
}

TEST_F(CgroupContainerTest, ExistingCgroupWithProcessesIsRefused) {
  CgroupLayout layout = FakeHybrid();
  fs::path procs = tmp_.path() / "pids/berth/c1/cgroup.procs";
  Put(procs, "4242\n");
  auto cg = ContainerCgroup::Create(layout, "berth/c1", {});
  ASSERT_FALSE(cg);
  EXPECT_EQ(cg.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(procs), "4242\n");  // left alone
}

TEST_F(CgroupContainerTest, OpenFindsExistingDirectoriesAndOwnsNothing) {
  CgroupLayout layout = FakeHybrid();
  fs::path r = tmp_.path();
  fs::remove_all(r / "devices/berth");  // a hierarchy without the container
  {
    auto cg = ContainerCgroup::Open(layout, "berth/c1");
    ASSERT_TRUE(cg) << cg.error().ToString();
    EXPECT_EQ(cg->Paths().size(), 5u);
    ContainerCgroup moved = std::move(*cg);
    EXPECT_EQ(moved.Paths().size(), 5u);
    EXPECT_TRUE(cg->Paths().empty());
  }
  EXPECT_TRUE(fs::exists(r / "memory/berth/c1"));  // the handles removed nothing

  auto cg = ContainerCgroup::Open(layout, "berth/c1");
  ASSERT_TRUE(cg);
  for (const fs::path& dir : cg->Paths()) EmulateRemovable(dir);
  ASSERT_TRUE(cg->Destroy());
  EXPECT_FALSE(fs::exists(r / "memory/berth/c1"));
  EXPECT_TRUE(fs::exists(r / "memory/berth"));

  auto missing = ContainerCgroup::Open(layout, "berth/c1");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(CgroupContainerTest, BadNamesAreRefused) {
  CgroupLayout layout = FakeV2();
  for (const char* name : {"", "/berth/c1", "berth/../c1", "berth//c1", "berth/c1/", ".", ".."}) {
    auto c = ContainerCgroup::Create(layout, name, {});
    ASSERT_FALSE(c) << name;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
    auto o = ContainerCgroup::Open(layout, name);
    ASSERT_FALSE(o) << name;
    EXPECT_EQ(o.error().code, ErrorCode::kInvalidArgument);
  }
}

// The last container of the shared parent removes it as it goes (DestroyCgroup rmdirs
// "berth" when it is empty), so another berth creating a cgroup at that moment finds the
// parent it just made gone: Create makes it again instead of failing with ENOENT (seen in
// CI as "mkdir '/sys/fs/cgroup/blkio/berth/<id>': no such file or directory").
TEST_F(CgroupContainerTest, ParentRemovedByAnotherContainersCleanupIsMadeAgain) {
  CgroupLayout layout{Mode::kV2, tmp_.path() / "unified", {}};
  ASSERT_TRUE(MakeDirs(layout.unified));
  fs::path parent = layout.unified / "berth";
  std::atomic<bool> stop{false};
  std::atomic<int> removed{0};
  // Far more eager than real cleanups (one rmdir per exit), so that the race is certain:
  // it removes the parent the moment it is empty, 50 times in all.
  std::thread other_cleanup([&] {
    while (!stop && removed < 50) {
      if (::rmdir(parent.c_str()) == 0) ++removed;
    }
  });
  int failed = 0;
  for (int i = 0; i < 300 && failed == 0; ++i) {
    std::string name = "berth/c" + std::to_string(i);
    auto cg = ContainerCgroup::Create(layout, name, CgroupPlan{});
    if (!cg) {
      ++failed;
      ADD_FAILURE() << i << ": " << cg.error().ToString();
      continue;
    }
    cg->Release();  // a fake tree: the leaf is an empty directory, removed here
    EXPECT_EQ(::rmdir((layout.unified / name).c_str()), 0);
  }
  stop = true;
  other_cleanup.join();
  EXPECT_GT(removed.load(), 1) << "the race was never run";
}

}  // namespace
}  // namespace berth::runner
