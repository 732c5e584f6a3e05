// berth wait CONTAINER...: block until containers stop; print their exit codes.
#include <cstdio>

#include "berth/runner/container_control.hpp"
#include "command.hpp"

namespace berth::cli {

void RegisterWait(CLI::App& parent, Invocation& inv) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = parent.add_subcommand("wait", "Wait for containers to stop, print exit codes");
  cmd->add_option("CONTAINER", *names, "Container names or ids")->required();
  cmd->callback([&inv, names] {
    inv.action = [&inv, names] {
      auto root = StoreRoot(inv.global);
      runner::ContainerStore containers(root);
      int status = 0;
      for (const auto& n : *names) {
        auto rec = containers.Find(n);
        if (!rec && rec.error().code == ErrorCode::kNotFound) {
          // Gone with --rm: its exit code is kept for a while.
          if (auto gone = containers.RemovedExit(n)) {
            std::printf("%d\n", *gone);
            continue;
          }
        }
        auto code = rec ? runner::WaitContainer(root, *rec) : Result<int>(rec.error());
        if (!code) {
          status = Fail("wait " + n, code.error());
          continue;
        }
        std::printf("%d\n", *code);
      }
      return status;
    };
  });
}

}  // namespace berth::cli
