#include "container_prepare.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/subprocess.hpp"
#include "berth/runner/cgroup_layout.hpp"
#include "berth/runner/cgroup_plan.hpp"
#include "berth/runner/container_files.hpp"
#include "berth/runner/device_rules.hpp"
#include "berth/runner/exec_path.hpp"
#include "berth/runner/helper_program.hpp"
#include "berth/runner/overlay_mount.hpp"
#include "berth/runner/volume_store.hpp"
#include "berth/store/store.hpp"
#include "berth/runner/in_root.hpp"

namespace berth::runner {

namespace {


unsigned long FlagsOf(const MountRequest& m) {
  unsigned long f = m.read_only ? MS_RDONLY : 0;
  for (const auto& o : m.options) {
    if (o == "nosuid") f |= MS_NOSUID;
    if (o == "nodev") f |= MS_NODEV;
    if (o == "noexec") f |= MS_NOEXEC;
    if (o == "noatime") f |= MS_NOATIME;
  }
  return f;
}

bool HasOption(const MountRequest& m, const char* name) {
  return std::find(m.options.begin(), m.options.end(), name) != m.options.end();
}

// Copies what the image has at the volume's destination into its empty _data, once.
Result<void> CopyUp(const VolumeStore& volumes, const VolumeRecord& v, const fs::path& merged,
                    const std::string& destination) {
  if (!v.needs_copy_up) return Ok();
  auto entries = ListDir(v.mountpoint);
  if (!entries || !entries->empty()) return Ok();
  BERTH_ASSIGN_OR_RETURN(UniqueFd root, Open(merged, O_PATH | O_DIRECTORY));
  int fd = -1;
  if (OpenInRoot(root.get(), destination.c_str(), true, false, &fd) == 0) {
    UniqueFd src(fd);
    std::string from = "/proc/self/fd/" + std::to_string(fd) + "/.";
    auto cp = RunCommand({"cp", "-a", from, v.mountpoint.string() + "/"});
    if (!cp || !cp->status.ok()) {
      return MakeError(ErrorCode::kIo, "copy " + Quote(destination) + " into volume " + v.name);
    }
  }
  return volumes.MarkCopiedUp(v.name);
}

Result<RootfsStep> MountStepFor(const VolumeStore& volumes, const MountRequest& m,
                                const fs::path& merged) {
  RootfsStep s;
  s.target = m.destination;
  s.flags = FlagsOf(m);
  if (m.type == MountRequest::Type::kTmpfs) {
    s.kind = RootfsStep::Kind::kMount;
    s.source = "tmpfs";
    s.fstype = "tmpfs";
    std::vector<std::string> data;
    if (m.tmpfs_size) data.push_back("size=" + std::to_string(*m.tmpfs_size));
    if (m.tmpfs_mode) {
      char mode[16];
      std::snprintf(mode, sizeof mode, "mode=%o", *m.tmpfs_mode);
      data.push_back(mode);
    }
    for (const auto& o : m.options) {
      if (o.rfind("uid=", 0) == 0 || o.rfind("gid=", 0) == 0 || o.rfind("nr_inodes=", 0) == 0) {
        data.push_back(o);
      }
    }
    s.data = Join(data, ",");
    return s;
  }
  s.kind = RootfsStep::Kind::kBind;
  s.recursive = !HasOption(m, "bind");
  s.propagation = m.propagation;
  if (m.type == MountRequest::Type::kVolume) {
    BERTH_ASSIGN_OR_RETURN(VolumeRecord v, volumes.Ensure(m.source));
    if (m.copy_up) BERTH_TRY(CopyUp(volumes, v, merged, m.destination));
    s.source = v.mountpoint.string();
    return s;
  }
  struct stat st;
  if (::stat(m.source.c_str(), &st) < 0) {
    return SysError("bind mount source " + Quote(m.source), errno);
  }
  s.source = m.source;
  s.file = !S_ISDIR(st.st_mode);
  return s;
}

struct CgroupSetup {
  CgroupLayout layout;
  CgroupPlan plan;
};

Result<CgroupSetup> PlanContainerCgroup(const RunOptions& o) {
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  BERTH_TRY(ValidateResourceLimits(o.limits, cpus > 0 ? static_cast<int>(cpus) : 1));
  CgroupSetup c;
  BERTH_ASSIGN_OR_RETURN(c.layout, DetectCgroupLayout());
  BERTH_ASSIGN_OR_RETURN(CgroupSupport support, ProbeCgroupSupport(c.layout));
  BERTH_ASSIGN_OR_RETURN(c.plan, PlanCgroup(c.layout, support, o.limits, DefaultDeviceRules()));
  if (o.warn) {
    for (const auto& w : c.plan.warnings) o.warn(w);
  }
  return c;
}

}  // namespace

std::vector<std::string> CallerEnv() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return env;
}

int64_t NowNanos() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

Result<PreparedContainer> PrepareContainer(const fs::path& store_root, const ContainerRecord& rec,
                                           const std::function<void(const std::string&)>& warn) {
  PreparedContainer p;
  p.rec = rec;
  BERTH_ASSIGN_OR_RETURN(p.options, RunOptionsFromJson(rec.config_json));
  p.options.warn = warn;
  const RunOptions& o = p.options;
  BERTH_ASSIGN_OR_RETURN(CgroupSetup cgroup_setup, PlanContainerCgroup(o));
  std::optional<store::Store> store;
  BERTH_ASSIGN_OR_RETURN(store, store::Store::Open(store_root));
  BERTH_ASSIGN_OR_RETURN(store::ImageRecord image, store->FindImage(rec.image_id));
  BERTH_ASSIGN_OR_RETURN(store::ImageView view, store->ReadImage(image));
  BERTH_TRY(EnterPrivateMountNamespace());
  ContainerStore containers(store_root);
  fs::path dir = containers.Dir(rec.id);
  fs::path merged = dir / "merged";
  BERTH_ASSIGN_OR_RETURN(store::MountSpec spec,
                         store->ImageMountSpec(view, merged, dir / "upper", dir / "work"));
  // A --rm container's writes die with it: `volatile` spares the sync of the whole upper
  // filesystem at unmount and makes fsync in the container free (podman does the same for
  // --rm containers). Overlay then leaves work/work/incompat/volatile behind and refuses the
  // next mount while it exists; a --rm container is mounted again only by `berth restart`,
  // after its own clean unmount, so the marker can go.
  if (o.remove) {
    spec.data += ",volatile";
    BERTH_TRY(RemoveTree(dir / "work" / "work" / "incompat"));
  }
  BERTH_ASSIGN_OR_RETURN(p.rootfs, ApplyMount(spec));

  PlanInput in;
  {
    BERTH_ASSIGN_OR_RETURN(VolumeStore volumes, VolumeStore::Open(*store));
    for (const auto& m : o.mounts) {
      auto step = MountStepFor(volumes, m, merged);
      if (!step) return std::move(step).error().Context("mount " + m.destination);
      in.volumes.push_back(std::move(*step));
    }
  }
  // The hold keeps the image's layers; the store lock must not outlive the setup (a
  // long-running container must not block `berth rmi` of other images).
  store.reset();

  ProcessOverrides overrides = o.process;
  overrides.hostname = rec.hostname;
  BERTH_ASSIGN_OR_RETURN(UniqueFd rootfs_fd, Open(merged, O_PATH | O_DIRECTORY));
  BERTH_ASSIGN_OR_RETURN(ProcessSpec process, ResolveProcess(view.config.config, overrides,
                                                             rootfs_fd.get(), CallerEnv()));
  BERTH_ASSIGN_OR_RETURN(
      ContainerFiles files,
      WriteContainerFiles(dir / "userdata", rec.hostname, rec.name, o.network, "/etc/resolv.conf"));
  in.rootfs = merged.string();
  in.hostname = rec.hostname;
  in.network = o.network;
  in.read_only = o.read_only;
  in.privileged = o.privileged;
  in.terminal = o.process.tty;
  in.etc_hostname = files.hostname.string();
  in.etc_hosts = files.hosts.string();
  in.etc_resolv_conf = files.resolv_conf.string();
  in.process = process;
  in.cgroup_mounts = PlanCgroupMounts(cgroup_setup.layout);
  p.plan = BuildPlan(in);
  BERTH_ASSIGN_OR_RETURN(p.plan.privileges, PreparePrivileges(PrivilegeOptionsOf(o),
                                                              store_root / "cache" / "seccomp"));
  p.plan.exec_candidates = ExecCandidates(process.argv.front(), PathFromEnv(process.env));
  if (o.init) {
    BERTH_ASSIGN_OR_RETURN(p.init_program, LoadInitProgram());
  }
  p.rec.command = process.argv;
  p.rec.restarting = false;
  BERTH_TRY(containers.SaveRecord(p.rec));
  BERTH_ASSIGN_OR_RETURN(
      p.cgroup, ContainerCgroup::Create(cgroup_setup.layout, "berth/" + rec.id, cgroup_setup.plan));
  return p;
}

}  // namespace berth::runner
