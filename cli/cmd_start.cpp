// berth start CONTAINER...: start created or exited containers in the background.
#include <cstdio>

#include "berth/runner/run.hpp"
#include "command.hpp"

namespace berth::cli {

void RegisterStart(CLI::App& parent, Invocation& inv) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = parent.add_subcommand("start", "Start one or more containers");
  cmd->add_option("CONTAINER", *names, "Container names or ids")->required();
  cmd->callback([&inv, names] {
    inv.action = [&inv, names] {
      auto root = StoreRoot(inv.global);
      auto programs = runner::FindDetachPrograms();
      if (!programs) return Fail("start", programs.error());
      runner::ContainerStore containers(root);
      int status = 0;
      for (const auto& n : *names) {
        auto rec = containers.Find(n);
        if (!rec) {
          status = Fail("start " + n, rec.error());
          continue;
        }
        auto state = containers.LoadState(rec->id);
        if (state && state->status == runner::ContainerStatus::kRunning) {
          std::printf("%s\n", n.c_str());  // podman: starting a running container is a no-op
          continue;
        }
        int code = kExitBerthFailed;
        if (auto r = runner::StartDetached(root, *rec, *programs, &code); !r) {
          Fail("start " + n, r.error());
          status = code;
          continue;
        }
        std::printf("%s\n", n.c_str());
      }
      return status;
    };
  });
}

}  // namespace berth::cli
