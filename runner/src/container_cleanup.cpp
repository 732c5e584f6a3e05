// CleanupContainer and RemoveContainer: what happens after a container's first process exits,
// and `berth rm`.
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/strings.hpp"
#include "berth/runner/cgroup_layout.hpp"
#include "berth/runner/container_cgroup.hpp"
#include "berth/runner/run.hpp"
#include "berth/runner/volume_store.hpp"
#include "berth/store/store.hpp"
#include "container_prepare.hpp"

namespace berth::runner {

namespace {

// Kills whatever is left in the container's cgroup and removes it. Returns whether the
// kernel OOM-killed one of its processes. A cgroup that is gone already is fine.
Result<bool> DestroyCgroup(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(CgroupLayout layout, DetectCgroupLayout());
  auto cgroup = ContainerCgroup::Open(layout, "berth/" + id);
  if (!cgroup) {
    if (cgroup.error().code == ErrorCode::kNotFound) return false;
    return std::move(cgroup).error();
  }
  auto oom = cgroup->OomKilled();
  std::vector<fs::path> dirs = cgroup->Paths();
  BERTH_TRY(cgroup->Destroy());
  // The shared "berth" parent goes with its last container; while another container's
  // cgroup is in it, rmdir fails with EBUSY and it stays.
  for (const auto& d : dirs) (void)::rmdir(d.parent_path().c_str());
  return oom && *oom;
}

bool Alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

Result<void> RemoveAnonymousVolumes(const fs::path& root, const RunOptions& o) {
  BERTH_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(root));
  BERTH_ASSIGN_OR_RETURN(VolumeStore volumes, VolumeStore::Open(store));
  for (const auto& m : o.mounts) {
    if (m.type != MountRequest::Type::kVolume) continue;
    auto v = volumes.Get(m.source);
    if (v && v->anonymous) BERTH_TRY(volumes.Remove(v->name, true, {}));
  }
  return Ok();
}

}  // namespace

Result<void> CleanupContainer(const fs::path& store_root, const std::string& id,
                              std::optional<int> exit_code) {
  ContainerStore containers(store_root);
  auto rec = containers.Find(id);
  if (!rec) {
    // `berth rm -f` may have removed it while its monitor was finishing.
    if (rec.error().code == ErrorCode::kNotFound) return Ok();
    return std::move(rec).error();
  }
  BERTH_ASSIGN_OR_RETURN(ContainerState state, containers.LoadState(id));
  auto oom = DestroyCgroup(id);
  if (exit_code) {
    state.status = ContainerStatus::kExited;
    state.exit_code = *exit_code;
    state.pid = 0;
    state.finished_at = NowNanos();
  }
  if (oom && *oom) state.oom_killed = true;
  BERTH_TRY(containers.SaveState(id, state));
  if (!oom) return std::move(oom).error().Context("clean up container " + id.substr(0, 12));
  auto options = RunOptionsFromJson(rec->config_json);
  if (options && options->remove && !rec->restarting) {
    if (exit_code) (void)containers.RecordRemovedExit(id, *exit_code);
    return RemoveContainer(store_root, *rec, true);
  }
  return Ok();
}

Result<void> RemoveContainer(const fs::path& store_root, const ContainerRecord& rec, bool force) {
  ContainerStore containers(store_root);
  auto state = containers.LoadState(rec.id);
  if (state && state->status == ContainerStatus::kRunning && Alive(state->pid)) {
    if (!force) {
      return MakeError(ErrorCode::kBusy, "container " + rec.name + " is running",
                       "stop it first ('berth stop " + rec.name + "') or use 'berth rm -f'");
    }
  }
  // Kills what still runs, whatever the state says (a monitor may have died).
  BERTH_TRY(DestroyCgroup(rec.id));
  auto options = RunOptionsFromJson(rec.config_json);
  BERTH_TRY(containers.Remove(rec.id));
  BERTH_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(store_root));
  BERTH_TRY(store.ReleaseHold(rec.id));
  if (options) BERTH_TRY(RemoveAnonymousVolumes(store_root, *options));
  return Ok();
}

}  // namespace berth::runner
