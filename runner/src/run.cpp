#include "berth/runner/run.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/runner/container_files.hpp"
#include "berth/runner/container_store.hpp"
#include "berth/runner/kernel.hpp"
#include "berth/runner/launch.hpp"
#include "berth/runner/overlay_mount.hpp"
#include "berth/store/store.hpp"
#include "foreground_wait.hpp"

namespace berth::runner {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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

// TODO(#4): replaced by ResolveProcess (user names, env files, HOME) from process_spec.
Result<ProcessSpec> ProvisionalProcess(const store::ContainerConfig& image, const RunOptions& o) {
  ProcessSpec p;
  std::vector<std::string> entry = image.entrypoint.value_or(std::vector<std::string>{});
  std::vector<std::string> cmd = image.cmd.value_or(std::vector<std::string>{});
  if (o.entrypoint) {
    entry = o.entrypoint->empty() ? std::vector<std::string>{} : std::vector{*o.entrypoint};
    cmd.clear();
  }
  if (!o.command.empty()) cmd = o.command;
  p.argv = entry;
  p.argv.insert(p.argv.end(), cmd.begin(), cmd.end());
  if (p.argv.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no command specified",
                     "give a command after the image name, or use --entrypoint");
  }
  p.env = image.env;
  for (const auto& e : o.env) p.env.push_back(e);
  bool has_path = false;
  for (const auto& e : p.env) has_path = has_path || e.rfind("PATH=", 0) == 0;
  if (!has_path) p.env.insert(p.env.begin(), std::string("PATH=") + kDefaultPath);
  p.cwd = o.workdir.value_or(image.working_dir.empty() ? "/" : image.working_dir);
  return p;
}

std::vector<std::string> ProvisionalCandidates(const ProcessSpec& p) {
  const std::string& argv0 = p.argv.front();
  if (argv0.find('/') != std::string::npos) return {argv0};
  std::string path = kDefaultPath;
  for (const auto& e : p.env) {
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  }
  std::vector<std::string> out;
  for (const auto& dir : Split(path, ':')) out.push_back((dir.empty() ? "." : dir) + "/" + argv0);
  return out;
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

}  // namespace

Result<int> RunContainer(const fs::path& store_root, const RunOptions& o, int* failure_exit_code) {
  if (failure_exit_code) *failure_exit_code = 125;
  std::optional<store::Store> store;
  BERTH_ASSIGN_OR_RETURN(store, store::Store::Open(store_root));
  BERTH_ASSIGN_OR_RETURN(store::ImageRecord image, store->FindImage(o.image));
  BERTH_ASSIGN_OR_RETURN(store::ImageView view, store->ReadImage(image));
  BERTH_ASSIGN_OR_RETURN(ProcessSpec process, ProvisionalProcess(view.config.config, o));

  ContainerStore containers(store_root);
  ContainerRecord rec;
  rec.name = o.name;
  rec.hostname = o.hostname;
  rec.image = o.image;
  rec.image_id = image.config.String();
  rec.image_manifest = image.manifest.String();
  rec.created = NowNanos();
  rec.command = process.argv;
  BERTH_TRY(EnterPrivateMountNamespace());
  BERTH_ASSIGN_OR_RETURN(rec, containers.Create(rec));
  Cleanup cleanup{store_root, &containers, rec.id, o.remove};
  BERTH_TRY(store->HoldImage(rec.id, image));

  fs::path dir = containers.Dir(rec.id);
  BERTH_ASSIGN_OR_RETURN(store::MountSpec spec,
                         store->ImageMountSpec(view, dir / "merged", dir / "upper", dir / "work"));
  BERTH_ASSIGN_OR_RETURN(ScopedMount rootfs, ApplyMount(spec));
  // The hold keeps the image's layers; the store lock need not outlive the setup (a
  // long-running container must not block `berth rmi` of other images).
  store.reset();

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
  ContainerPlan plan = BuildPlan(in);
  plan.exec_candidates = ProvisionalCandidates(plan.process);

  LaunchOptions lo;
  UniqueFd devnull;
  if (!o.interactive) {
    BERTH_ASSIGN_OR_RETURN(devnull, Open("/dev/null", O_RDONLY));
    lo.stdio[0] = devnull.get();
  }
  ForwardedSignals signals;
  ContainerState state;
  state.monitor_pid = ::getpid();
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
  BERTH_TRY(containers.SaveState(rec.id, state));
  return state.exit_code;
}

}  // namespace berth::runner
