#include "berth/runner/container_observe.hpp"

#include <time.h>

#include <cerrno>
#include <charconv>
#include <string_view>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

// The fields after the command name: "S 1 ..." (the name itself may hold spaces and
// parentheses, so the last ')' ends it; proc(5)).
Result<ProcessStat> ParseStat(std::string_view text, const std::string& what) {
  auto bad = [&] { return MakeError(ErrorCode::kInvalidArgument, "parse " + what); };
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return bad();
  std::string_view rest = text.substr(close + 1);
  ProcessStat st;
  // Field 3 is the first after the name, field 22 the 20th.
  int field = 3;
  while (!rest.empty()) {
    size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = rest.find(' ');
    std::string_view tok = rest.substr(0, end);
    if (field == 3) {
      if (tok.size() != 1) return bad();
      st.state = tok[0];
    } else if (field == 22) {
      auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), st.start_time);
      if (ec != std::errc() || p != tok.data() + tok.size()) return bad();
      return st;
    }
    ++field;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  return bad();
}

ContainerState ExitedUnseen(const ContainerState& recorded, int64_t now_ns) {
  ContainerState s = recorded;
  s.status = ContainerStatus::kExited;
  s.exit_code = kUnknownExitCode;
  s.pid = 0;
  s.pid_start_time = 0;
  s.finished_at = now_ns;
  if (s.error.empty()) {
    s.error = "the container's monitor ended without recording its exit; exit code unknown";
  }
  return s;
}

}  // namespace

Result<ProcessStat> ReadProcessStat(const fs::path& proc_root, pid_t pid) {
  fs::path path = proc_root / std::to_string(pid) / "stat";
  auto text = ReadFile(path, 64 << 10);
  if (!text) {
    // ESRCH: the process went away between opening and reading.
    if (text.error().sys_errno == ESRCH) {
      return MakeError(ErrorCode::kNotFound, "no process " + std::to_string(pid));
    }
    return std::move(text).error();
  }
  return ParseStat(*text, Quote(path.string()));
}

Result<uint64_t> ProcessStartTime(const fs::path& proc_root, pid_t pid) {
  BERTH_ASSIGN_OR_RETURN(ProcessStat st, ReadProcessStat(proc_root, pid));
  return st.start_time;
}

bool ProcessAlive(const fs::path& proc_root, pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  auto st = ReadProcessStat(proc_root, pid);
  if (!st) return false;
  // A zombie has exited; its parent just has not collected the status yet.
  if (st->state == 'Z' || st->state == 'X' || st->state == 'x') return false;
  return start_time == 0 || st->start_time == start_time;
}

StateCheck CheckState(const ContainerState& recorded, const fs::path& proc_root, int64_t now_ns) {
  StateCheck c{recorded, false};
  if (recorded.status != ContainerStatus::kRunning) return c;
  if (ProcessAlive(proc_root, recorded.pid, recorded.pid_start_time)) return c;
  if (ProcessAlive(proc_root, recorded.monitor_pid, recorded.monitor_start_time)) return c;
  c.state = ExitedUnseen(recorded, now_ns);
  c.stale = true;
  return c;
}

Result<ContainerState> ObservedState(ContainerStore& store, const std::string& id,
                                     const ObserveOptions& options) {
  BERTH_ASSIGN_OR_RETURN(ContainerState recorded, store.LoadState(id));
  StateCheck c = CheckState(recorded, options.proc_root, UnixNanosNow());
  if (!c.stale || !options.save) return c.state;
  // Compare and swap without a lock: the monitor may have recorded the real exit since we
  // read the file; its word beats ours.
  auto again = store.LoadState(id);
  if (!again) return c.state;
  if (!(*again == recorded)) return CheckState(*again, options.proc_root, UnixNanosNow()).state;
  (void)store.SaveState(id, c.state);
  return c.state;
}

int64_t UnixNanosNow() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace berth::runner
