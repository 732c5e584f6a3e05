// berth restart [-t SECONDS] CONTAINER...: stop (if running), then start in the background.
#include <cstdio>

#include "berth/runner/container_control.hpp"
#include "berth/runner/run.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct RestartOptions {
  std::vector<std::string> names;
  int seconds = 10;
};

int Run(const GlobalOptions& g, const RestartOptions& o) {
  auto root = StoreRoot(g);
  auto programs = runner::FindDetachPrograms();
  if (!programs) return Fail("restart", programs.error());
  runner::ContainerStore containers(root);
  int status = 0;
  for (const auto& n : o.names) {
    auto rec = containers.Find(n);
    if (!rec) {
      status = Fail("restart " + n, rec.error());
      continue;
    }
    int code = kExitBerthFailed;
    auto r = runner::RestartContainer(root, *rec, runner::ContainerStopSignal(root, *rec),
                                      std::chrono::seconds(o.seconds), *programs, &code);
    if (!r) {
      Fail("restart " + n, r.error());
      status = code;
      continue;
    }
    std::printf("%s\n", n.c_str());
  }
  return status;
}

}  // namespace

void RegisterRestart(CLI::App& parent, Invocation& inv) {
  auto o = std::make_shared<RestartOptions>();
  CLI::App* cmd = parent.add_subcommand("restart", "Restart one or more containers");
  cmd->add_option("CONTAINER", o->names, "Container names or ids")->required();
  cmd->add_option("-t,--time", o->seconds, "Seconds to wait before SIGKILL (default 10)");
  cmd->callback([&inv, o] { inv.action = [&inv, o] { return Run(inv.global, *o); }; });
}

}  // namespace berth::cli
