#include "berth/runner/container_plan.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

namespace berth::runner {
namespace {

PlanInput Input() {
  PlanInput in;
  in.rootfs = "/store/containers/abc/merged";
  in.hostname = "abc";
  in.etc_hostname = "/store/containers/abc/userdata/hostname";
  in.etc_hosts = "/store/containers/abc/userdata/hosts";
  in.etc_resolv_conf = "/store/containers/abc/userdata/resolv.conf";
  in.process.argv = {"sh"};
  return in;
}

const RootfsStep* Find(const ContainerPlan& p, const std::string& target) {
  for (const auto& s : p.rootfs_steps) {
    if (s.target == target) return &s;
  }
  return nullptr;
}

std::vector<std::string> Targets(const ContainerPlan& p, RootfsStep::Kind kind) {
  std::vector<std::string> out;
  for (const auto& s : p.rootfs_steps) {
    if (s.kind == kind) out.push_back(s.target);
  }
  return out;
}

TEST(ContainerPlanTest, NamespacesForNetworkNone) {
  ContainerPlan p = BuildPlan(Input());
  EXPECT_EQ(p.clone_flags, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET);
  EXPECT_TRUE(p.loopback_up);
  EXPECT_TRUE(p.cgroup_namespace);
  EXPECT_EQ(p.hostname, "abc");
}

TEST(ContainerPlanTest, HostNetworkKeepsTheHostNamespace) {
  PlanInput in = Input();
  in.network = NetworkMode::kHost;
  ContainerPlan p = BuildPlan(in);
  EXPECT_EQ(p.clone_flags & CLONE_NEWNET, 0);
  EXPECT_FALSE(p.loopback_up);
}

TEST(ContainerPlanTest, ProcFirstAndNeverThroughASymlink) {
  ContainerPlan p = BuildPlan(Input());
  ASSERT_FALSE(p.rootfs_steps.empty());
  const RootfsStep& proc = p.rootfs_steps.front();
  EXPECT_EQ(proc.target, "/proc");
  EXPECT_EQ(proc.fstype, "proc");
  EXPECT_TRUE(proc.no_symlink);
  EXPECT_EQ(proc.flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV));
  const RootfsStep* sys = Find(p, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_TRUE(sys->no_symlink);
  EXPECT_TRUE(sys->flags & MS_RDONLY);
}

TEST(ContainerPlanTest, DevHasExactlyTheDefaultNodes) {
  ContainerPlan p = BuildPlan(Input());
  EXPECT_EQ(Targets(p, RootfsStep::Kind::kMknod),
            (std::vector<std::string>{"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                      "/dev/urandom", "/dev/tty"}));
  const RootfsStep* null = Find(p, "/dev/null");
  EXPECT_EQ(null->dev, makedev(1, 3));
  EXPECT_EQ(null->mode, static_cast<mode_t>(S_IFCHR | 0666));
  const RootfsStep* pts = Find(p, "/dev/pts");
  ASSERT_NE(pts, nullptr);
  EXPECT_EQ(pts->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  EXPECT_EQ(Find(p, "/dev/ptmx")->source, "pts/ptmx");
  // /dev is mounted before anything is created in it.
  auto dev = std::find_if(p.rootfs_steps.begin(), p.rootfs_steps.end(),
                          [](const RootfsStep& s) { return s.target == "/dev"; });
  auto first_node = std::find_if(p.rootfs_steps.begin(), p.rootfs_steps.end(),
                                 [](const RootfsStep& s) { return s.target == "/dev/null"; });
  EXPECT_LT(dev, first_node);
}

TEST(ContainerPlanTest, ProvidedFilesAreBoundAsFiles) {
  ContainerPlan p = BuildPlan(Input());
  for (const char* t : {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}) {
    const RootfsStep* s = Find(p, t);
    ASSERT_NE(s, nullptr) << t;
    EXPECT_EQ(s->kind, RootfsStep::Kind::kBind);
    EXPECT_TRUE(s->file);
  }
  EXPECT_EQ(Find(p, "/etc/hosts")->source, "/store/containers/abc/userdata/hosts");
}

TEST(ContainerPlanTest, DefaultMasksAndPrivilegedHasNone) {
  ContainerPlan p = BuildPlan(Input());
  for (const char* m : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"}) {
    EXPECT_NE(std::find(p.masked_paths.begin(), p.masked_paths.end(), m), p.masked_paths.end())
        << m;
  }
  EXPECT_EQ(p.readonly_paths, (std::vector<std::string>{"/proc/bus", "/proc/fs", "/proc/irq",
                                                        "/proc/sys", "/proc/sysrq-trigger"}));
  PlanInput in = Input();
  in.privileged = true;
  ContainerPlan priv = BuildPlan(in);
  EXPECT_TRUE(priv.masked_paths.empty());
  EXPECT_TRUE(priv.readonly_paths.empty());
  EXPECT_FALSE(Find(priv, "/sys")->flags & MS_RDONLY);
}

TEST(ContainerPlanTest, ReadOnlyRootGetsScratchTmpfs) {
  PlanInput in = Input();
  in.read_only = true;
  ContainerPlan p = BuildPlan(in);
  EXPECT_TRUE(p.read_only_root);
  for (const char* t : {"/run", "/tmp", "/var/tmp"}) {
    const RootfsStep* s = Find(p, t);
    ASSERT_NE(s, nullptr) << t;
    EXPECT_EQ(s->fstype, "tmpfs");
  }
  EXPECT_EQ(Find(BuildPlan(Input()), "/tmp"), nullptr);
}

TEST(ContainerPlanTest, VolumesComeLast) {
  PlanInput in = Input();
  RootfsStep v;
  v.kind = RootfsStep::Kind::kBind;
  v.source = "/srv/data";
  v.target = "/data";
  in.volumes.push_back(v);
  ContainerPlan p = BuildPlan(in);
  EXPECT_EQ(p.rootfs_steps.back(), v);
}

}  // namespace
}  // namespace berth::runner
