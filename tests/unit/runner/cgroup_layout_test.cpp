#include "berth/runner/cgroup_layout.hpp"

#include <gtest/gtest.h>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"

namespace berth::runner {
namespace {

using Mode = CgroupLayout::Mode;

// Ubuntu 18.04: cgroup v1 only, with shared hierarchies and the named systemd hierarchy.
constexpr const char* kV1Mountinfo =
    R"(25 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
26 25 0:24 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
27 26 0:25 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
28 27 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
30 27 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct
31 27 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory
32 27 0:30 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,net_cls,net_prio
33 27 0:31 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
34 27 0:32 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpuset,clone_children
35 27 0:33 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,devices
60 25 0:29 /docker/abc /mnt/mem rw,relatime shared:13 - cgroup cgroup rw,memory
)";

// Fedora: pure cgroup v2.
constexpr const char* kV2Mountinfo =
    R"(22 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/root rw
23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw,seclabel
35 23 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,seclabel,nsdelegate,memory_recursiveprot
)";

// This project's machines: v1 controllers each on its own hierarchy, cgroup2 at unified.
constexpr const char* kHybridMountinfo =
    R"(22 1 0:20 / / rw,relatime - overlay overlay rw
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
)";

class CgroupLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(::testing::TempDir(), "cgroup-layout-");
    ASSERT_TRUE(t);
    dir_ = std::move(*t);
  }
  Result<CgroupLayout> Detect(const std::string& text) {
    fs::path file = dir_.path() / "mountinfo";
    EXPECT_TRUE(WriteFileAtomic(file, text));
    return DetectCgroupLayout(file);
  }
  TempDir dir_;
};

TEST_F(CgroupLayoutTest, PureV1ListsEachControllerWithItsHierarchy) {
  auto layout = Detect(kV1Mountinfo);
  ASSERT_TRUE(layout) << layout.error().ToString();
  EXPECT_EQ(layout->mode, Mode::kV1);
  EXPECT_TRUE(layout->unified.empty());
  std::map<std::string, fs::path> want = {
      {"cpu", "/sys/fs/cgroup/cpu,cpuacct"},
      {"cpuacct", "/sys/fs/cgroup/cpu,cpuacct"},
      {"cpuset", "/sys/fs/cgroup/cpuset"},
      {"devices", "/sys/fs/cgroup/devices"},
      // The later mount of a memory subtree at /mnt/mem does not replace the root mount.
      {"memory", "/sys/fs/cgroup/memory"},
      {"net_cls", "/sys/fs/cgroup/net_cls,net_prio"},
      {"net_prio", "/sys/fs/cgroup/net_cls,net_prio"},
      {"pids", "/sys/fs/cgroup/pids"},
  };
  EXPECT_EQ(layout->v1, want);  // no name=systemd, no clone_children, no rw
  auto hierarchies = layout->V1Hierarchies();
  ASSERT_EQ(hierarchies.size(), 6u);
  EXPECT_EQ(hierarchies[0].first, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(hierarchies[0].second, (std::vector<std::string>{"cpu", "cpuacct"}));
}

TEST_F(CgroupLayoutTest, PureV2HasOnlyTheUnifiedTree) {
  auto layout = Detect(kV2Mountinfo);
  ASSERT_TRUE(layout) << layout.error().ToString();
  EXPECT_EQ(layout->mode, Mode::kV2);
  EXPECT_EQ(layout->unified, "/sys/fs/cgroup");
  EXPECT_TRUE(layout->v1.empty());
  EXPECT_STREQ(CgroupModeName(layout->mode), "v2");
}

TEST_F(CgroupLayoutTest, HybridHasBoth) {
  auto layout = Detect(kHybridMountinfo);
  ASSERT_TRUE(layout) << layout.error().ToString();
  EXPECT_EQ(layout->mode, Mode::kHybrid);
  EXPECT_EQ(layout->unified, "/sys/fs/cgroup/unified");
  EXPECT_EQ(layout->v1.at("cpu"), "/sys/fs/cgroup/cpu");
  EXPECT_EQ(layout->v1.at("cpuacct"), "/sys/fs/cgroup/cpuacct");
  EXPECT_EQ(layout->v1.size(), 6u);
  EXPECT_EQ(layout->V1Hierarchies().size(), 6u);
}

TEST_F(CgroupLayoutTest, OnlyNamedV1HierarchiesMeansV2) {
  std::string text = std::string(kV2Mountinfo) +
                     "40 23 0:40 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n";
  auto layout = Detect(text);
  ASSERT_TRUE(layout);
  EXPECT_EQ(layout->mode, Mode::kV2);
}

TEST_F(CgroupLayoutTest, RootMountWinsOverAnEarlierSubtreeAndEscapesAreDecoded) {
  auto layout = Detect(
      "50 1 0:30 /machine.slice /mnt/sub rw - cgroup2 cgroup2 rw\n"
      "51 1 0:30 / /run/my\\040cgroup\\134x rw - cgroup2 cgroup2 rw\n"
      "52 1 0:30 / /third rw - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(layout);
  EXPECT_EQ(layout->unified, "/run/my cgroup\\x");
}

TEST_F(CgroupLayoutTest, OptionalFieldsBeforeTheSeparatorAreSkipped) {
  auto layout = Detect(
      "31 30 0:28 / /cg/mem rw,relatime shared:13 master:2 unbindable - cgroup none rw,memory\n");
  ASSERT_TRUE(layout);
  EXPECT_EQ(layout->v1.at("memory"), "/cg/mem");
}

TEST_F(CgroupLayoutTest, NoCgroupMountIsNotFound) {
  auto layout = Detect("25 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
  ASSERT_FALSE(layout);
  EXPECT_EQ(layout.error().code, ErrorCode::kNotFound);
  EXPECT_NE(layout.error().hint.find("cgroup2"), std::string::npos);
}

TEST_F(CgroupLayoutTest, MalformedLineNamesItsNumber) {
  auto layout = Detect(std::string(kV2Mountinfo) + "garbage without separator\n");
  ASSERT_FALSE(layout);
  EXPECT_EQ(layout.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(layout.error().message.find("line 4"), std::string::npos) << layout.error().message;
}

TEST_F(CgroupLayoutTest, MissingMountinfoIsNotFound) {
  auto layout = DetectCgroupLayout(dir_.path() / "nope");
  ASSERT_FALSE(layout);
  EXPECT_EQ(layout.error().code, ErrorCode::kNotFound);
}

TEST_F(CgroupLayoutTest, ProbeV2ReadsRootControllers) {
  fs::path root = dir_.path() / "v2";
  ASSERT_TRUE(MakeDirs(root));
  ASSERT_TRUE(WriteFileAtomic(root / "cgroup.controllers", "cpuset cpu io memory pids\n"));
  CgroupLayout layout{Mode::kV2, root, {}};
  auto support = ProbeCgroupSupport(layout);
  ASSERT_TRUE(support) << support.error().ToString();
  EXPECT_EQ(support->controllers, (std::set<std::string>{"cpu", "cpuset", "io", "memory", "pids"}));
  EXPECT_TRUE(support->swap);
  EXPECT_TRUE(support->cpu_quota);

  ASSERT_TRUE(WriteFileAtomic(root / "cgroup.controllers", "pids\n"));
  support = ProbeCgroupSupport(layout);
  ASSERT_TRUE(support);
  EXPECT_EQ(support->controllers, std::set<std::string>{"pids"});
  EXPECT_FALSE(support->swap);
  EXPECT_FALSE(support->cpu_quota);

  // The hybrid machine's unified tree has no controllers at all.
  ASSERT_TRUE(WriteFileAtomic(root / "cgroup.controllers", ""));
  support = ProbeCgroupSupport(layout);
  ASSERT_TRUE(support);
  EXPECT_TRUE(support->controllers.empty());
}

TEST_F(CgroupLayoutTest, ProbeV1LooksForSwapAccountingAndCfsQuota) {
  fs::path memory = dir_.path() / "memory", cpu = dir_.path() / "cpu";
  ASSERT_TRUE(MakeDirs(memory));
  ASSERT_TRUE(MakeDirs(cpu));
  ASSERT_TRUE(WriteFileAtomic(memory / "memory.limit_in_bytes", "9223372036854771712\n"));
  ASSERT_TRUE(WriteFileAtomic(cpu / "cpu.shares", "1024\n"));
  CgroupLayout layout{Mode::kHybrid, dir_.path() / "unified", {{"memory", memory}, {"cpu", cpu}}};
  auto support = ProbeCgroupSupport(layout);
  ASSERT_TRUE(support);
  EXPECT_EQ(support->controllers, (std::set<std::string>{"cpu", "memory"}));
  EXPECT_FALSE(support->swap);
  EXPECT_FALSE(support->cpu_quota);

  ASSERT_TRUE(WriteFileAtomic(memory / "memory.memsw.limit_in_bytes", "9223372036854771712\n"));
  ASSERT_TRUE(WriteFileAtomic(cpu / "cpu.cfs_quota_us", "-1\n"));
  support = ProbeCgroupSupport(layout);
  ASSERT_TRUE(support);
  EXPECT_TRUE(support->swap);
  EXPECT_TRUE(support->cpu_quota);
}

}  // namespace
}  // namespace berth::runner
