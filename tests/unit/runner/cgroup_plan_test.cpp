#include "berth/runner/cgroup_plan.hpp"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include "berth/runner/cgroup_mounts.hpp"

namespace berth::runner {
namespace {

using Mode = CgroupLayout::Mode;
constexpr int64_t kMiB = 1 << 20;

CgroupLayout V1Layout() {
  return {Mode::kV1,
          {},
          {{"cpu", "/cg/cpu,cpuacct"},
           {"cpuacct", "/cg/cpu,cpuacct"},
           {"cpuset", "/cg/cpuset"},
           {"devices", "/cg/devices"},
           {"memory", "/cg/memory"},
           {"pids", "/cg/pids"}}};
}
CgroupSupport V1Support(bool swap = true) {
  return {{"cpu", "cpuacct", "cpuset", "devices", "memory", "pids"}, swap, true};
}
CgroupLayout V2Layout() { return {Mode::kV2, "/cg", {}}; }
CgroupSupport V2Support() { return {{"cpu", "cpuset", "io", "memory", "pids"}, true, true}; }

const ResourceLimits kAll = {.memory = 64 * kMiB,
                             .memory_swap = 96 * kMiB,
                             .cpus = 0.5,
                             .cpu_shares = 512,
                             .cpuset_cpus = "0",
                             .pids_limit = 20};

TEST(CgroupPlanTest, V1WritesEveryLimit) {
  auto plan = PlanCgroup(V1Layout(), V1Support(), kAll, {});
  ASSERT_TRUE(plan) << plan.error().ToString();
  std::vector<CgroupWrite> want = {
      {"memory", "memory.limit_in_bytes", "67108864"},
      {"memory", "memory.memsw.limit_in_bytes", "100663296"},
      {"cpu", "cpu.cfs_period_us", "100000"},
      {"cpu", "cpu.cfs_quota_us", "50000"},
      {"cpu", "cpu.shares", "512"},
      {"cpuset", "cpuset.cpus", "0"},
      {"pids", "pids.max", "20"},
  };
  EXPECT_EQ(plan->writes, want);
  EXPECT_TRUE(plan->enable_controllers.empty());
  EXPECT_TRUE(plan->bpf_device_rules.empty());
  EXPECT_TRUE(plan->warnings.empty());
}

TEST(CgroupPlanTest, V2WritesEveryLimit) {
  auto plan = PlanCgroup(V2Layout(), V2Support(), kAll, {});
  ASSERT_TRUE(plan) << plan.error().ToString();
  std::vector<CgroupWrite> want = {
      {"", "memory.max", "67108864"},
      {"", "memory.swap.max", "33554432"},  // swap alone: 96m - 64m
      {"", "cpu.max", "50000 100000"},
      {"", "cpu.weight", "20"},  // 1 + (510 * 9999) / 262142
      {"", "cpuset.cpus", "0"},
      {"", "pids.max", "20"},
  };
  EXPECT_EQ(plan->writes, want);
  EXPECT_EQ(plan->enable_controllers,
            (std::vector<std::string>{"cpu", "cpuset", "io", "memory", "pids"}));
}

TEST(CgroupPlanTest, NoLimitsNoWrites) {
  auto v1 = PlanCgroup(V1Layout(), V1Support(), {}, {});
  ASSERT_TRUE(v1);
  EXPECT_TRUE(v1->writes.empty());
  // Zero means "unset" for memory and cpu shares, as in docker.
  auto v2 = PlanCgroup(V2Layout(), V2Support(), {.memory = 0, .cpu_shares = 0}, {});
  ASSERT_TRUE(v2);
  EXPECT_TRUE(v2->writes.empty());
}

TEST(CgroupPlanTest, SwapDefaultsToMemoryAndMinusOneIsUnlimited) {
  ResourceLimits only_memory = {.memory = 64 * kMiB};
  auto v1 = PlanCgroup(V1Layout(), V1Support(), only_memory, {});
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->writes.at(1), (CgroupWrite{"memory", "memory.memsw.limit_in_bytes", "134217728"}));
  auto v2 = PlanCgroup(V2Layout(), V2Support(), only_memory, {});
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->writes.at(1), (CgroupWrite{"", "memory.swap.max", "67108864"}));

  ResourceLimits unlimited = {.memory = 64 * kMiB, .memory_swap = -1};
  v1 = PlanCgroup(V1Layout(), V1Support(), unlimited, {});
  EXPECT_EQ(v1->writes.at(1).value, "-1");
  v2 = PlanCgroup(V2Layout(), V2Support(), unlimited, {});
  EXPECT_EQ(v2->writes.at(1).value, "max");

  ResourceLimits no_swap = {.memory = 64 * kMiB, .memory_swap = 64 * kMiB};
  v2 = PlanCgroup(V2Layout(), V2Support(), no_swap, {});
  EXPECT_EQ(v2->writes.at(1).value, "0");
}

TEST(CgroupPlanTest, SwapWithoutAccountingIsDroppedWithAWarning) {
  auto plan = PlanCgroup(V1Layout(), V1Support(/*swap=*/false),
                         {.memory = 64 * kMiB, .memory_swap = 128 * kMiB}, {});
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->writes,
            (std::vector<CgroupWrite>{{"memory", "memory.limit_in_bytes", "67108864"}}));
  ASSERT_EQ(plan->warnings.size(), 1u);
  EXPECT_NE(plan->warnings[0].find("swap"), std::string::npos);
  // The default swap (no --memory-swap) is dropped silently.
  plan = PlanCgroup(V1Layout(), V1Support(false), {.memory = 64 * kMiB}, {});
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->warnings.empty());
}

TEST(CgroupPlanTest, CpuValues) {
  auto quota = [](double cpus) {
    auto plan = PlanCgroup(V2Layout(), V2Support(), {.cpus = cpus}, {});
    return plan->writes.at(0).value;
  };
  EXPECT_EQ(quota(1.5), "150000 100000");
  EXPECT_EQ(quota(0.01), "1000 100000");
  EXPECT_EQ(quota(2), "200000 100000");
  EXPECT_EQ(quota(0.333), "33300 100000");

  EXPECT_EQ(CpuWeightFromShares(2), 1u);
  EXPECT_EQ(CpuWeightFromShares(1024), 39u);
  EXPECT_EQ(CpuWeightFromShares(262144), 10000u);
  EXPECT_EQ(CpuWeightFromShares(1), 1u);  // clamped to 2
  EXPECT_EQ(CpuWeightFromShares(1000000), 10000u);
  auto v1 = PlanCgroup(V1Layout(), V1Support(), {.cpu_shares = 1}, {});
  EXPECT_EQ(v1->writes.at(0), (CgroupWrite{"cpu", "cpu.shares", "2"}));
}

TEST(CgroupPlanTest, PidsLimitZeroOrNegativeIsMax) {
  for (int64_t n : {0, -1}) {
    auto plan = PlanCgroup(V1Layout(), V1Support(), {.pids_limit = n}, {});
    EXPECT_EQ(plan->writes.at(0), (CgroupWrite{"pids", "pids.max", "max"}));
  }
}

TEST(CgroupPlanTest, MissingControllerIsUnsupportedNamingTheFlag) {
  CgroupSupport no_pids = V2Support();
  no_pids.controllers.erase("pids");
  auto plan = PlanCgroup(V2Layout(), no_pids, {.pids_limit = 5}, {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(plan.error().message.rfind("--pids-limit: the pids cgroup controller", 0), 0u)
      << plan.error().message;
}

TEST(CgroupPlanTest, V2EnablesOnlyAvailableControllers) {
  CgroupSupport some = {{"memory", "pids"}, true, false};
  auto plan = PlanCgroup(V2Layout(), some, {}, {});
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->enable_controllers, (std::vector<std::string>{"memory", "pids"}));
  auto cpus = PlanCgroup(V2Layout(), some, {.cpus = 1}, {});
  ASSERT_FALSE(cpus);
  EXPECT_EQ(cpus.error().code, ErrorCode::kUnsupported);
}

TEST(CgroupPlanTest, DevicesAreV1WritesOrABpfProgram) {
  std::vector<DeviceRule> rules = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rwm"}};
  auto v1 = PlanCgroup(V1Layout(), V1Support(), {}, rules);
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->writes, (std::vector<CgroupWrite>{{"devices", "devices.deny", "a *:* rwm"},
                                                  {"devices", "devices.allow", "c 1:3 rwm"}}));
  auto v2 = PlanCgroup(V2Layout(), V2Support(), {}, rules);
  ASSERT_TRUE(v2);
  EXPECT_TRUE(v2->writes.empty());
  EXPECT_EQ(v2->bpf_device_rules, rules);

  // Hybrid without a v1 devices controller falls back to the program on the cgroup2 tree.
  CgroupLayout hybrid = V1Layout();
  hybrid.mode = Mode::kHybrid;
  hybrid.unified = "/cg/unified";
  hybrid.v1.erase("devices");
  auto h = PlanCgroup(hybrid, V1Support(), {}, rules);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->bpf_device_rules, rules);
  CgroupLayout v1_only = V1Layout();
  v1_only.v1.erase("devices");
  auto none = PlanCgroup(v1_only, V1Support(), {}, rules);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kUnsupported);
}

TEST(CgroupMountsTest, V2IsOneReadOnlyCgroup2Mount) {
  auto mounts = PlanCgroupMounts(V2Layout());
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].kind, CgroupMount::Kind::kMount);
  EXPECT_EQ(mounts[0].fstype, "cgroup2");
  EXPECT_EQ(mounts[0].target, "");
  EXPECT_EQ(mounts[0].flags,
            static_cast<unsigned long>(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
}

TEST(CgroupMountsTest, V1AndHybridGetATmpfsWithOneMountPerHierarchy) {
  CgroupLayout hybrid = V1Layout();
  hybrid.mode = Mode::kHybrid;
  hybrid.unified = "/cg/unified";
  auto mounts = PlanCgroupMounts(hybrid);
  std::vector<std::string> got;
  for (const CgroupMount& m : mounts) {
    switch (m.kind) {
      case CgroupMount::Kind::kMount:
        got.push_back(m.fstype + " " + m.target.string() + " " + m.data);
        if (m.fstype != "tmpfs") {
          EXPECT_TRUE(m.flags & MS_RDONLY) << m.target;
        }
        break;
      case CgroupMount::Kind::kSymlink:
        got.push_back("link " + m.target.string() + " -> " + m.link_to);
        break;
      case CgroupMount::Kind::kRemountReadOnly:
        got.push_back("remount-ro " + m.target.string());
        EXPECT_TRUE(m.flags & MS_RDONLY);
        break;
    }
  }
  std::vector<std::string> want = {
      "tmpfs  mode=755",
      "cgroup cpu,cpuacct cpu,cpuacct",
      "cgroup cpuset cpuset",
      "cgroup devices devices",
      "cgroup memory memory",
      "cgroup pids pids",
      "cgroup2 unified ",
      "link cpu -> cpu,cpuacct",
      "link cpuacct -> cpu,cpuacct",
      "remount-ro ",
  };
  EXPECT_EQ(got, want);
  // Pure v1: the same without the cgroup2 mount.
  EXPECT_EQ(PlanCgroupMounts(V1Layout()).size(), want.size() - 1);
}

}  // namespace
}  // namespace berth::runner
