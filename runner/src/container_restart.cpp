// RestartContainer: `berth restart`.
#include "berth/runner/container_control.hpp"
#include "berth/runner/run.hpp"

namespace berth::runner {

Result<void> RestartContainer(const fs::path& store_root, const ContainerRecord& rec,
                              int stop_signal, std::chrono::seconds timeout,
                              const DetachPrograms& programs, int* failure_exit_code) {
  if (failure_exit_code) *failure_exit_code = 125;
  ContainerStore containers(store_root);
  ContainerRecord marked = rec;
  BERTH_ASSIGN_OR_RETURN(ContainerState state, containers.LoadState(rec.id));
  if (state.status == ContainerStatus::kRunning) {
    // Written before the stop, so the cleanup of this exit reads it (container_cleanup.cpp).
    marked.restarting = true;
    BERTH_TRY(containers.SaveRecord(marked));
    BERTH_TRY(StopContainer(store_root, marked, stop_signal, timeout));
  }
  return StartDetached(store_root, marked, programs, failure_exit_code);
}

}  // namespace berth::runner
