// Hidden verbs that berth-monitor calls: internal-launch and internal-cleanup.
#include <fstream>

#include "berth/runner/run.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct InternalOptions {
  std::string id;
  int ready_fd = -1;
  std::string exit_file;
};

}  // namespace

void RegisterInternal(CLI::App& parent, Invocation& inv) {
  auto o = std::make_shared<InternalOptions>();
  CLI::App* launch = parent.add_subcommand("internal-launch", "")->group("");
  launch->add_option("ID", o->id)->required();
  launch->add_option("--ready-fd", o->ready_fd)->required();
  launch->callback([&inv, o] {
    inv.action = [&inv, o] {
      auto r = runner::LaunchDetached(StoreRoot(inv.global), o->id, o->ready_fd);
      return r ? 0 : Fail("start " + o->id.substr(0, 12), r.error());
    };
  });
  CLI::App* cleanup = parent.add_subcommand("internal-cleanup", "")->group("");
  cleanup->add_option("ID", o->id)->required();
  cleanup->add_option("--exit-file", o->exit_file);
  cleanup->callback([&inv, o] {
    inv.action = [&inv, o] {
      std::optional<int> code;
      std::ifstream in(o->exit_file);
      int c = 0;
      if (in >> c) code = c;
      auto r = runner::CleanupContainer(StoreRoot(inv.global), o->id, code);
      return r ? 0 : Fail("clean up " + o->id.substr(0, 12), r.error());
    };
  });
}

}  // namespace berth::cli
