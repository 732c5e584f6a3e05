// berth stop [-t SECONDS] CONTAINER...: the image's StopSignal (or SIGTERM), then SIGKILL.
#include <signal.h>

#include <cstdio>

#include "berth/runner/container_control.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct StopOptions {
  std::vector<std::string> names;
  int seconds = 10;
};

int Run(const GlobalOptions& g, const StopOptions& o) {
  auto root = StoreRoot(g);
  runner::ContainerStore containers(root);
  int status = 0;
  for (const auto& n : o.names) {
    auto rec = containers.Find(n);
    if (!rec) {
      status = Fail("stop " + n, rec.error());
      continue;
    }
    auto r = runner::StopContainer(root, *rec, runner::ContainerStopSignal(root, *rec),
                                   std::chrono::seconds(o.seconds));
    if (!r) {
      status = Fail("stop " + n, r.error());
      continue;
    }
    std::printf("%s\n", n.c_str());
  }
  return status;
}

}  // namespace

void RegisterStop(CLI::App& parent, Invocation& inv) {
  auto o = std::make_shared<StopOptions>();
  CLI::App* cmd = parent.add_subcommand("stop", "Stop one or more running containers");
  cmd->add_option("CONTAINER", o->names, "Container names or ids")->required();
  cmd->add_option("-t,--time", o->seconds, "Seconds to wait before SIGKILL (default 10)");
  cmd->callback([&inv, o] { inv.action = [&inv, o] { return Run(inv.global, *o); }; });
}

}  // namespace berth::cli
