#include "berth/runner/container_plan.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace berth::runner {

namespace {

constexpr unsigned long kNoSuidExecDev = MS_NOSUID | MS_NOEXEC | MS_NODEV;

RootfsStep MountStep(std::string target, std::string source, std::string fstype,
                     unsigned long flags, std::string data, bool no_symlink = false) {
  RootfsStep s;
  s.kind = RootfsStep::Kind::kMount;
  s.target = std::move(target);
  s.source = std::move(source);
  s.fstype = std::move(fstype);
  s.flags = flags;
  s.data = std::move(data);
  s.no_symlink = no_symlink;
  return s;
}

RootfsStep Node(std::string target, unsigned major, unsigned minor) {
  RootfsStep s;
  s.kind = RootfsStep::Kind::kMknod;
  s.target = std::move(target);
  s.mode = S_IFCHR | 0666;
  s.dev = makedev(major, minor);
  s.file = true;
  return s;
}

RootfsStep Link(std::string target, std::string text) {
  RootfsStep s;
  s.kind = RootfsStep::Kind::kSymlink;
  s.target = std::move(target);
  s.source = std::move(text);
  return s;
}

RootfsStep FileBind(std::string target, std::string host_path) {
  RootfsStep s;
  s.kind = RootfsStep::Kind::kBind;
  s.target = std::move(target);
  s.source = std::move(host_path);
  s.flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  s.file = true;
  return s;
}

// /dev as a tmpfs with only the default nodes (REFERENCE.md section 3, "Devices").
void AddDev(std::vector<RootfsStep>& steps) {
  steps.push_back(MountStep("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                            "mode=755,size=65536k", true));
  steps.push_back(Node("/dev/null", 1, 3));
  steps.push_back(Node("/dev/zero", 1, 5));
  steps.push_back(Node("/dev/full", 1, 7));
  steps.push_back(Node("/dev/random", 1, 8));
  steps.push_back(Node("/dev/urandom", 1, 9));
  steps.push_back(Node("/dev/tty", 5, 0));
  steps.push_back(MountStep("/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                            "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  steps.push_back(Link("/dev/ptmx", "pts/ptmx"));
  steps.push_back(MountStep("/dev/shm", "shm", "tmpfs", kNoSuidExecDev, "mode=1777,size=65536k"));
  steps.push_back(MountStep("/dev/mqueue", "mqueue", "mqueue", kNoSuidExecDev, ""));
  steps.push_back(Link("/dev/fd", "/proc/self/fd"));
  steps.push_back(Link("/dev/stdin", "/proc/self/fd/0"));
  steps.push_back(Link("/dev/stdout", "/proc/self/fd/1"));
  steps.push_back(Link("/dev/stderr", "/proc/self/fd/2"));
  steps.push_back(Link("/dev/core", "/proc/kcore"));
}

// /sys/fs/cgroup as cgroup_mounts.hpp plans it; the child is in its cgroup namespace by then.
void AddCgroupMounts(std::vector<RootfsStep>& steps, const std::vector<CgroupMount>& mounts) {
  for (const auto& m : mounts) {
    std::string target = "/sys/fs/cgroup";
    if (!m.target.empty()) target += "/" + m.target.string();
    switch (m.kind) {
      case CgroupMount::Kind::kMount:
        steps.push_back(MountStep(target, m.source, m.fstype, m.flags, m.data, true));
        break;
      case CgroupMount::Kind::kSymlink:
        steps.push_back(Link(target, m.link_to));
        break;
      case CgroupMount::Kind::kRemountReadOnly:
        steps.push_back(MountStep(target, m.source, m.fstype, MS_REMOUNT | m.flags, m.data, true));
        break;
    }
  }
}

}  // namespace

const std::vector<std::string>& DefaultMaskedPaths() {
  static const std::vector<std::string> paths = {"/proc/acpi",
                                                 "/proc/asound",
                                                 "/proc/interrupts",
                                                 "/proc/kcore",
                                                 "/proc/keys",
                                                 "/proc/latency_stats",
                                                 "/proc/sched_debug",
                                                 "/proc/scsi",
                                                 "/proc/timer_list",
                                                 "/proc/timer_stats",
                                                 "/sys/devices/virtual/powercap",
                                                 "/sys/firmware",
                                                 "/sys/fs/selinux"};
  return paths;
}

const std::vector<std::string>& DefaultReadonlyPaths() {
  static const std::vector<std::string> paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};
  return paths;
}

ContainerPlan BuildPlan(const PlanInput& in) {
  ContainerPlan plan;
  plan.clone_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
  if (in.network == NetworkMode::kNone) {
    plan.clone_flags |= CLONE_NEWNET;
    plan.loopback_up = true;
  }
  plan.cgroup_namespace = true;
  plan.rootfs = in.rootfs;
  plan.hostname = in.hostname;
  plan.read_only_root = in.read_only;
  plan.terminal = in.terminal;

  auto& steps = plan.rootfs_steps;
  steps.push_back(MountStep("/proc", "proc", "proc", kNoSuidExecDev, "", true));
  AddDev(steps);
  unsigned long sys_flags = kNoSuidExecDev | (in.privileged ? 0 : MS_RDONLY);
  steps.push_back(MountStep("/sys", "sysfs", "sysfs", sys_flags, "", true));
  AddCgroupMounts(steps, in.cgroup_mounts);
  if (!in.etc_hostname.empty()) steps.push_back(FileBind("/etc/hostname", in.etc_hostname));
  if (!in.etc_hosts.empty()) steps.push_back(FileBind("/etc/hosts", in.etc_hosts));
  if (!in.etc_resolv_conf.empty()) {
    steps.push_back(FileBind("/etc/resolv.conf", in.etc_resolv_conf));
  }
  if (in.read_only) {
    // podman's --read-only-tmpfs (on by default): writable scratch where programs expect it.
    for (const char* p : {"/run", "/tmp", "/var/tmp"}) {
      steps.push_back(MountStep(p, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
    }
  }
  steps.insert(steps.end(), in.volumes.begin(), in.volumes.end());

  if (!in.privileged) {
    plan.masked_paths = DefaultMaskedPaths();
    plan.readonly_paths = DefaultReadonlyPaths();
  }
  plan.process = in.process;
  return plan;
}

}  // namespace berth::runner
