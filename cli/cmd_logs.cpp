// berth logs [-f] [-t] [--tail N] [--since T] [--until T] CONTAINER: a container's output
// from its ctr.log, stdout records to stdout and stderr records to stderr, as podman does.
#include <cstdio>

#include "berth/runner/container_log_reader.hpp"
#include "berth/runner/container_observe.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct LogsOptions {
  std::string container;
  bool follow = false;
  bool timestamps = false;
  int64_t tail = -1;
  std::string since, until;
};

Result<runner::LogReadOptions> ReadOptions(const LogsOptions& o) {
  runner::LogReadOptions ro;
  if (o.tail >= 0) ro.tail = static_cast<size_t>(o.tail);
  int64_t now = runner::UnixNanosNow();
  if (!o.since.empty()) {
    BERTH_ASSIGN_OR_RETURN(ro.since_ns, runner::ParseLogTimeArgument(o.since, now, true));
  }
  if (!o.until.empty()) {
    BERTH_ASSIGN_OR_RETURN(ro.until_ns, runner::ParseLogTimeArgument(o.until, now, false));
  }
  return ro;
}

int Run(const GlobalOptions& g, const LogsOptions& o) {
  std::string what = "logs " + o.container;
  auto ro = ReadOptions(o);
  if (!ro) return Fail(what, ro.error());
  runner::ContainerStore containers(StoreRoot(g));
  auto rec = containers.Find(o.container);
  if (!rec) return Fail(what, rec.error());
  auto sink = [&](const runner::LogRecord& r) {
    FILE* out = r.stream == runner::LogStream::kStderr ? stderr : stdout;
    std::string line;
    if (o.timestamps) line = runner::FormatLogTimeForDisplay(r.time) + " ";
    line += r.text;
    if (!r.partial) line += '\n';
    std::fwrite(line.data(), 1, line.size(), out);
    if (o.follow) std::fflush(out);
  };
  std::filesystem::path log = containers.Dir(rec->id) / "ctr.log";
  Result<void> done = Ok();
  if (o.follow) {
    runner::FollowOptions follow;
    follow.still_running = [&] {
      auto s = runner::ObservedState(containers, rec->id);
      return s && s->status == runner::ContainerStatus::kRunning;
    };
    done = runner::FollowLog(log, *ro, follow, sink);
  } else {
    done = runner::ReadLog(log, *ro, sink);
  }
  std::fflush(stdout);
  if (!done) return Fail(what, done.error());
  return 0;
}

}  // namespace

void RegisterLogs(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<LogsOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "Show the output of a container");
  cmd->add_option("CONTAINER", opts->container, "Container name or id")->required();
  cmd->add_flag("-f,--follow", opts->follow, "Keep printing new output until the container stops");
  cmd->add_flag("-t,--timestamps", opts->timestamps, "Print the time of each line before it");
  cmd->add_option("--tail", opts->tail, "Print only the last N lines (-1: all)");
  cmd->add_option("--since", opts->since,
                  "Only output after this time (RFC 3339, Unix time, or a duration like 10m)");
  cmd->add_option("--until", opts->until,
                  "Only output before this time (RFC 3339, Unix time, or a duration like 10m)");
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return Run(inv.global, *opts); }; });
}

}  // namespace berth::cli
