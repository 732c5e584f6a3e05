// ContainerCgroup on this machine's real cgroup hierarchies (root). Each test runs its body
// in a forked child (RunInChild) under a name of its own, "berth-test/<pid>-<test>", and the
// parent removes that cgroup again whatever happened in the child, so no cgroup is left
// behind. A test skips (fails with BERTH_TEST_REQUIRE_PRIVILEGED=1) when the probe for what
// it needs fails.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/runner/cgroup_layout.hpp"
#include "berth/runner/cgroup_mounts.hpp"
#include "berth/runner/cgroup_plan.hpp"
#include "berth/runner/container_cgroup.hpp"
#include "support/run_in_child.hpp"

namespace berth::runner {
namespace {

using berth::testing::RequirePrivileged;
using berth::testing::RunInChild;
constexpr int64_t kMiB = 1 << 20;

#define SKIP_OR_FAIL(why)                     \
  do {                                        \
    if (RequirePrivileged()) FAIL() << (why); \
    GTEST_SKIP() << (why);                    \
  } while (0)

std::string Read(const fs::path& file) {
  auto text = ReadFile(file);
  return text ? std::string(Trim(*text)) : "<" + text.error().ToString() + ">";
}

bool Contains(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

// A child that waits for a byte on a pipe (sent once it is in the cgroup), then runs `body`
// and exits with its result. Only async-signal-safe calls happen in the child.
class GatedChild {
 public:
  template <typename Body>
  explicit GatedChild(Body body) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[1]);
      char c;
      if (::read(fds[0], &c, 1) != 1) ::_exit(100);
      ::_exit(body());
    }
    ::close(fds[0]);
    gate_ = fds[1];
  }
  ~GatedChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
    if (gate_ >= 0) ::close(gate_);
  }
  pid_t pid() const { return pid_; }
  void Go() {
    char c = 'g';
    EXPECT_EQ(::write(gate_, &c, 1), 1);
  }
  // The wait status, once.
  int Wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int gate_ = -1;
};

class CgroupIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto layout = DetectCgroupLayout();
    ASSERT_TRUE(layout) << layout.error().ToString();
    layout_ = *layout;
    auto support = ProbeCgroupSupport(layout_);
    ASSERT_TRUE(support) << support.error().ToString();
    support_ = *support;
    name_ = "berth-test/" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  // Whatever the child did, the cgroup and the berth-test parent go.
  void TearDown() override {
    if (auto left = ContainerCgroup::Open(layout_, name_)) {
      ADD_FAILURE() << "the test left cgroup " << name_ << " behind";
      EXPECT_TRUE(left->Destroy());
    }
    for (const auto& [root, controllers] : layout_.V1Hierarchies()) {
      ::rmdir((root / "berth-test").c_str());
    }
    if (!layout_.unified.empty()) ::rmdir((layout_.unified / "berth-test").c_str());
  }

  // "" when the host has `controllers` and root can create and remove a cgroup, else why not.
  std::string Probe(const std::vector<std::string>& controllers) {
    for (const std::string& c : controllers) {
      if (!support_.controllers.count(c)) return "no " + c + " cgroup controller on this host";
    }
    auto cg = ContainerCgroup::Create(layout_, name_, {});
    if (!cg) return "cannot create a cgroup: " + cg.error().ToString();
    auto destroyed = cg->Destroy();
    if (!destroyed) return "cannot remove a cgroup: " + destroyed.error().ToString();
    return "";
  }

  CgroupPlan Plan(const ResourceLimits& limits, const std::vector<DeviceRule>& devices = {}) {
    auto plan = PlanCgroup(layout_, support_, limits, devices);
    EXPECT_TRUE(plan) << plan.error().ToString();
    return plan ? *plan : CgroupPlan{};
  }

  CgroupLayout layout_;
  CgroupSupport support_;
  std::string name_;
};

TEST_F(CgroupIntegrationTest, LimitsReachTheKernel) {
  if (auto why = Probe({"memory", "cpu", "cpuset", "pids"}); !why.empty()) SKIP_OR_FAIL(why);
  ResourceLimits limits = {
      .memory = 64 * kMiB, .cpus = 0.5, .cpu_shares = 512, .cpuset_cpus = "0", .pids_limit = 20};
  RunInChild([&] {
    auto cg = ContainerCgroup::Create(layout_, name_, Plan(limits, DefaultDeviceRules()));
    ASSERT_TRUE(cg) << cg.error().ToString();
    auto applied = cg->ReadLimits();
    ASSERT_TRUE(applied) << applied.error().ToString();
    ResourceLimits want = limits;
    if (support_.swap) want.memory_swap = 128 * kMiB;  // swap defaults to the memory limit
    if (layout_.mode == CgroupLayout::Mode::kV2) want.cpu_shares = 501;  // via cpu.weight 20
    EXPECT_EQ(applied->memory, want.memory);
    EXPECT_EQ(applied->memory_swap, want.memory_swap);
    EXPECT_EQ(applied->cpus, want.cpus);
    EXPECT_EQ(applied->cpu_shares, want.cpu_shares);
    EXPECT_EQ(applied->cpuset_cpus, want.cpuset_cpus);
    EXPECT_EQ(applied->pids_limit, want.pids_limit);
    if (layout_.mode != CgroupLayout::Mode::kV2 && layout_.v1.count("devices")) {
      std::string list = Read(layout_.v1.at("devices") / name_ / "devices.list");
      EXPECT_NE(list.find("c 1:3 rwm"), std::string::npos) << list;
      EXPECT_NE(list.find("c 136:* rwm"), std::string::npos) << list;
      EXPECT_EQ(list.find("a *:* rwm"), std::string::npos) << list;
    }
    ASSERT_TRUE(cg->Destroy());
  });
}

TEST_F(CgroupIntegrationTest, JoinedProcessesAreKilledAndEveryDirectoryRemoved) {
  if (auto why = Probe({}); !why.empty()) SKIP_OR_FAIL(why);
  RunInChild([&] {
    auto cg = ContainerCgroup::Create(layout_, name_, Plan({}));
    ASSERT_TRUE(cg) << cg.error().ToString();
    GatedChild init([] { return ::pause(); });
    GatedChild exec([] { return ::pause(); });
    ASSERT_TRUE(cg->AddProcess(init.pid()));
    // `berth exec` joins through a handle of its own.
    {
      auto joined = ContainerCgroup::Open(layout_, name_);
      ASSERT_TRUE(joined) << joined.error().ToString();
      EXPECT_EQ(joined->Paths(), cg->Paths());
      ASSERT_TRUE(joined->AddProcess(exec.pid()));
    }  // an opened handle removes nothing
    std::vector<fs::path> paths = cg->Paths();
    for (const fs::path& dir : paths) {
      std::string procs = Read(dir / "cgroup.procs");
      EXPECT_NE(procs.find(std::to_string(init.pid())), std::string::npos) << dir;
      EXPECT_NE(procs.find(std::to_string(exec.pid())), std::string::npos) << dir;
    }
    auto listed = cg->Processes();
    ASSERT_TRUE(listed);
    EXPECT_TRUE(Contains(*listed, init.pid()) && Contains(*listed, exec.pid()));

    ASSERT_TRUE(cg->Destroy());
    for (GatedChild* c : {&init, &exec}) {
      int status = c->Wait();
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    }
    for (const fs::path& dir : paths) {
      EXPECT_FALSE(fs::exists(dir)) << dir;
      EXPECT_FALSE(fs::exists(dir.parent_path())) << "the parent Create made: " << dir;
    }
  });
}

TEST_F(CgroupIntegrationTest, WithoutCgroupKillEachProcessGetsSigkill) {
  if (layout_.v1.empty()) GTEST_SKIP() << "no cgroup v1 hierarchy on this host";
  if (auto why = Probe({}); !why.empty()) SKIP_OR_FAIL(why);
  // A pure v1 host: the same v1 hierarchies without the cgroup2 tree and its cgroup.kill.
  CgroupLayout v1 = layout_;
  v1.mode = CgroupLayout::Mode::kV1;
  v1.unified.clear();
  RunInChild([&] {
    auto cg = ContainerCgroup::Create(v1, name_, {});
    ASSERT_TRUE(cg) << cg.error().ToString();
    GatedChild child([] { return ::pause(); });
    ASSERT_TRUE(cg->AddProcess(child.pid()));
    std::vector<fs::path> paths = cg->Paths();
    ASSERT_TRUE(cg->Destroy());
    int status = child.Wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    for (const fs::path& dir : paths) EXPECT_FALSE(fs::exists(dir)) << dir;
  });
}

TEST_F(CgroupIntegrationTest, OomKillIsReported) {
  if (auto why = Probe({"memory"}); !why.empty()) SKIP_OR_FAIL(why);
  RunInChild([&] {
    // memory + swap = memory: the child cannot escape the limit into swap.
    auto cg = ContainerCgroup::Create(layout_, name_,
                                      Plan({.memory = 32 * kMiB, .memory_swap = 32 * kMiB}));
    ASSERT_TRUE(cg) << cg.error().ToString();
    auto before = cg->OomKilled();
    ASSERT_TRUE(before) << before.error().ToString();
    EXPECT_FALSE(*before);
    GatedChild hog([] {
      constexpr size_t kSize = size_t{512} << 20;
      void* p = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED) return 101;
      for (size_t off = 0; off < kSize; off += 4096) static_cast<volatile char*>(p)[off] = 1;
      return 0;  // not killed: the limit did not hold
    });
    ASSERT_TRUE(cg->AddProcess(hog.pid()));
    hog.Go();
    int status = hog.Wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << (WIFEXITED(status) ? "exited " + std::to_string(WEXITSTATUS(status)) : "signal");
    auto oom = cg->OomKilled();
    ASSERT_TRUE(oom) << oom.error().ToString();
    EXPECT_TRUE(*oom);
    ASSERT_TRUE(cg->Destroy());
  });
}

// What a container does with PlanCgroupMounts: join the cgroup, then unshare the cgroup
// namespace (in this order, so the container's cgroup becomes the namespace's root), mount.
// Returns 0, or the number of the step that failed.
int MountAsAContainer(const fs::path& base, const std::vector<CgroupMount>& mounts,
                      const CgroupLayout& layout) {
  if (::unshare(CLONE_NEWCGROUP) != 0) return 20;
  for (const CgroupMount& m : mounts) {
    fs::path target = base / m.target;
    switch (m.kind) {
      case CgroupMount::Kind::kMount:
        if (::mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) return 21;
        if (::mount(m.source.c_str(), target.c_str(), m.fstype.c_str(), m.flags, m.data.c_str()) !=
            0) {
          return 22;
        }
        break;
      case CgroupMount::Kind::kSymlink:
        if (::symlink(m.link_to.c_str(), target.c_str()) != 0) return 23;
        break;
      case CgroupMount::Kind::kRemountReadOnly:
        if (::mount(m.source.c_str(), target.c_str(), m.fstype.c_str(), MS_REMOUNT | m.flags,
                    m.data.c_str()) != 0) {
          return 24;
        }
        break;
    }
  }
  // Every hierarchy shows the container's cgroup as its root.
  auto self = ReadFile("/proc/self/cgroup");
  if (!self) return 30;
  for (const std::string& line : Split(*self, '\n')) {
    if (!line.empty() && line.substr(line.size() - 2) != ":/") return 31;
  }
  if (Read(base / "memory/memory.limit_in_bytes") != "67108864" &&
      Read(base / "memory.max") != "67108864") {
    return 32;
  }
  if (layout.mode == CgroupLayout::Mode::kHybrid && !fs::exists(base / "unified/cgroup.procs")) {
    return 33;
  }
  for (const auto& [controller, path] : layout.v1) {
    if (!fs::exists(base / controller / "cgroup.procs")) return 34;  // symlinks included
  }
  if (::mkdir((base / "x").c_str(), 0755) == 0 || errno != EROFS) return 35;
  return 0;
}

TEST_F(CgroupIntegrationTest, ContainerSeesItsCgroupAsRootOfReadOnlyMounts) {
  if (auto why = Probe({"memory"}); !why.empty()) SKIP_OR_FAIL(why);
  auto mounts = PlanCgroupMounts(layout_);
  RunInChild([&] {
    auto base = TempDir::Create(::testing::TempDir(), "cgroup-mounts-");
    ASSERT_TRUE(base);
    auto cg = ContainerCgroup::Create(layout_, name_, Plan({.memory = 64 * kMiB}));
    ASSERT_TRUE(cg) << cg.error().ToString();
    GatedChild container([&] { return MountAsAContainer(base->path(), mounts, layout_); });
    ASSERT_TRUE(cg->AddProcess(container.pid()));
    container.Go();
    int status = container.Wait();
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0) << "see MountAsAContainer for the failed step";
    // The mounts live on in this child's mount namespace; the cgroup goes all the same.
    ASSERT_TRUE(cg->Destroy());
    for (const CgroupMount& m : mounts) {
      if (m.kind == CgroupMount::Kind::kMount)
        ::umount2((base->path() / m.target).c_str(), MNT_DETACH);
    }
  });
}

TEST_F(CgroupIntegrationTest, BpfDeviceProgramOnCgroup2) {
  if (layout_.unified.empty()) GTEST_SKIP() << "no cgroup2 tree on this host";
  struct stat kmsg;
  if (::stat("/dev/kmsg", &kmsg) != 0 || !S_ISCHR(kmsg.st_mode)) {
    GTEST_SKIP() << "no /dev/kmsg to be denied";
  }
  // The cgroup2 tree alone, as on a pure v2 host (on hybrid hosts berth uses v1 devices).
  CgroupLayout v2{CgroupLayout::Mode::kV2, layout_.unified, {}};
  auto support = ProbeCgroupSupport(v2);
  ASSERT_TRUE(support);
  auto plan = PlanCgroup(v2, *support, {}, DefaultDeviceRules());
  ASSERT_TRUE(plan);
  ASSERT_FALSE(plan->bpf_device_rules.empty());
  RunInChild([&] {
    auto cg = ContainerCgroup::Create(v2, name_, *plan);
    if (!cg && (cg.error().code == ErrorCode::kUnsupported ||
                cg.error().code == ErrorCode::kPermissionDenied)) {
      SKIP_OR_FAIL("cannot attach a device program: " + cg.error().ToString());
    }
    ASSERT_TRUE(cg) << cg.error().ToString();
    GatedChild probe([] {
      int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
      if (null_fd < 0) return 10;
      ::close(null_fd);
      int kmsg_fd = ::open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
      if (kmsg_fd >= 0) return 11;
      return errno == EPERM ? 0 : 12;
    });
    ASSERT_TRUE(cg->AddProcess(probe.pid()));
    probe.Go();
    int status = probe.Wait();
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << "10: /dev/null was denied, 11: /dev/kmsg was allowed, 12: wrong errno";
    ASSERT_TRUE(cg->Destroy());
  });
}

}  // namespace
}  // namespace berth::runner
