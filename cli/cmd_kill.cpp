// berth kill [-s SIGNAL] CONTAINER...: signal containers (SIGKILL by default).
#include <cstdio>

#include "berth/runner/container_control.hpp"
#include "command.hpp"

namespace berth::cli {

void RegisterKill(CLI::App& parent, Invocation& inv) {
  struct Options {
    std::vector<std::string> names;
    std::string signal = "KILL";
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = parent.add_subcommand("kill", "Send a signal to running containers");
  cmd->add_option("CONTAINER", o->names, "Container names or ids")->required();
  cmd->add_option("-s,--signal", o->signal, "Signal to send (default KILL)");
  cmd->callback([&inv, o] {
    inv.action = [&inv, o] {
      auto sig = runner::ParseSignal(o->signal);
      if (!sig) return Fail("kill", sig.error());
      auto root = StoreRoot(inv.global);
      runner::ContainerStore containers(root);
      int status = 0;
      for (const auto& n : o->names) {
        auto rec = containers.Find(n);
        auto r = rec ? runner::KillContainer(root, *rec, *sig) : Result<void>(rec.error());
        if (!r) {
          status = Fail("kill " + n, r.error());
          continue;
        }
        std::printf("%s\n", n.c_str());
      }
      return status;
    };
  });
}

}  // namespace berth::cli
