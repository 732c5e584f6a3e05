#include "berth/runner/run.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/runner/cgroup_layout.hpp"
#include "berth/runner/cgroup_plan.hpp"
#include "berth/runner/container_cgroup.hpp"
#include "berth/runner/container_files.hpp"
#include "berth/runner/container_store.hpp"
#include "berth/runner/device_rules.hpp"
#include "berth/runner/exec_path.hpp"
#include "berth/runner/kernel.hpp"
#include "berth/runner/launch.hpp"
#include "berth/runner/overlay_mount.hpp"
#include "berth/store/store.hpp"
#include "foreground_wait.hpp"

namespace berth::runner {

namespace {

int64_t NowNanos() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The overlay and everything the container mounts stay in a mount namespace of this
// process: when it ends, however it ends, the kernel takes them all down.
Result<void> EnterPrivateMountNamespace() {
  if (::unshare(CLONE_NEWNS) < 0) {
    Error e = SysError("unshare mount namespace", errno);
    if (errno == EPERM) e.hint = "berth run needs root";
    return e;
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    return SysError("make mounts private", errno);
  }
  return Ok();
}

// Everything that has to be undone for one container, in reverse order of creation.
struct Cleanup {
  fs::path root;
  ContainerStore* containers = nullptr;
  std::string id;
  bool remove = false;
  ~Cleanup() {
    if (!remove || id.empty()) return;
    (void)containers->Remove(id);
    if (auto store = store::Store::Open(root)) (void)store->ReleaseHold(id);
  }
};

struct CgroupSetup {
  CgroupLayout layout;
  CgroupPlan plan;
};

// Validates the limits and plans the cgroup before anything is created.
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

std::vector<std::string> CallerEnv() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return env;
}

}  // namespace

Result<int> RunContainer(const fs::path& store_root, const RunOptions& o, int* failure_exit_code) {
  if (failure_exit_code) *failure_exit_code = 125;
  std::optional<store::Store> store;
  BERTH_ASSIGN_OR_RETURN(store, store::Store::Open(store_root));
  BERTH_ASSIGN_OR_RETURN(store::ImageRecord image, store->FindImage(o.image));
  BERTH_ASSIGN_OR_RETURN(store::ImageView view, store->ReadImage(image));
  BERTH_ASSIGN_OR_RETURN(CgroupSetup cgroup_setup, PlanContainerCgroup(o));

  ContainerStore containers(store_root);
  ContainerRecord rec;
  rec.name = o.name;
  rec.hostname = o.hostname;
  rec.image = o.image;
  rec.image_id = image.config.String();
  rec.image_manifest = image.manifest.String();
  rec.created = NowNanos();
  BERTH_TRY(EnterPrivateMountNamespace());
  BERTH_ASSIGN_OR_RETURN(rec, containers.Create(rec));
  // A container that fails before its launch is attempted never existed for the user.
  Cleanup cleanup{store_root, &containers, rec.id, true};
  BERTH_TRY(store->HoldImage(rec.id, image));

  fs::path dir = containers.Dir(rec.id);
  BERTH_ASSIGN_OR_RETURN(store::MountSpec spec,
                         store->ImageMountSpec(view, dir / "merged", dir / "upper", dir / "work"));
  BERTH_ASSIGN_OR_RETURN(ScopedMount rootfs, ApplyMount(spec));
  // The hold keeps the image's layers; the store lock need not outlive the setup (a
  // long-running container must not block `berth rmi` of other images).
  store.reset();

  ProcessOverrides overrides = o.process;
  overrides.hostname = rec.hostname;
  BERTH_ASSIGN_OR_RETURN(UniqueFd rootfs_fd, Open(dir / "merged", O_PATH | O_DIRECTORY));
  BERTH_ASSIGN_OR_RETURN(ProcessSpec process, ResolveProcess(view.config.config, overrides,
                                                             rootfs_fd.get(), CallerEnv()));
  rec.command = process.argv;
  BERTH_TRY(containers.SaveRecord(rec));

  BERTH_ASSIGN_OR_RETURN(
      ContainerFiles files,
      WriteContainerFiles(dir / "userdata", rec.hostname, rec.name, o.network, "/etc/resolv.conf"));
  PlanInput in;
  in.rootfs = (dir / "merged").string();
  in.hostname = rec.hostname;
  in.network = o.network;
  in.read_only = o.read_only;
  in.privileged = o.privileged;
  in.etc_hostname = files.hostname.string();
  in.etc_hosts = files.hosts.string();
  in.etc_resolv_conf = files.resolv_conf.string();
  in.process = process;
  in.cgroup_mounts = PlanCgroupMounts(cgroup_setup.layout);
  ContainerPlan plan = BuildPlan(in);
  plan.exec_candidates = ExecCandidates(process.argv.front(), PathFromEnv(process.env));

  BERTH_ASSIGN_OR_RETURN(
      ContainerCgroup cgroup,
      ContainerCgroup::Create(cgroup_setup.layout, "berth/" + rec.id, cgroup_setup.plan));
  LaunchOptions lo;
  lo.before_start = [&cgroup](pid_t pid) { return cgroup.AddProcess(pid); };
  UniqueFd devnull;
  if (!o.interactive) {  // podman gives /dev/null without -i
    BERTH_ASSIGN_OR_RETURN(devnull, Open("/dev/null", O_RDONLY));
    lo.stdio[0] = devnull.get();
  }
  ForwardedSignals signals;
  ContainerState state;
  state.monitor_pid = ::getpid();
  cleanup.remove = o.remove;
  auto process_or = Launch(plan, LinuxKernel(), lo, failure_exit_code);
  if (!process_or) {
    state.status = ContainerStatus::kExited;
    state.exit_code = failure_exit_code ? *failure_exit_code : 125;
    state.error = process_or.error().message;
    state.finished_at = NowNanos();
    (void)containers.SaveState(rec.id, state);
    return std::move(process_or).error().Context("run " + o.image);
  }
  ContainerProcess proc = std::move(*process_or);
  state.status = ContainerStatus::kRunning;
  state.pid = proc.pid();
  state.started_at = NowNanos();
  BERTH_TRY(containers.SaveState(rec.id, state));
  BERTH_ASSIGN_OR_RETURN(ExitStatus status, signals.Wait(proc));
  state.status = ContainerStatus::kExited;
  state.pid = 0;
  state.exit_code = ExitCodeOf(status);
  state.finished_at = NowNanos();
  if (auto oom = cgroup.OomKilled(); oom && *oom) state.oom_killed = true;
  // Whatever the container left running dies with its cgroup.
  BERTH_TRY(cgroup.Destroy());
  BERTH_TRY(containers.SaveState(rec.id, state));
  return state.exit_code;
}

}  // namespace berth::runner
