// berth rm [-f] CONTAINER...: remove containers.
#include <cstdio>

#include "berth/runner/run.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct RmOptions {
  std::vector<std::string> names;
  bool force = false;
  bool all = false;
};

int Run(const GlobalOptions& g, const RmOptions& o) {
  auto root = StoreRoot(g);
  runner::ContainerStore containers(root);
  std::vector<std::string> names = o.names;
  if (o.all) {
    auto all = containers.List();
    if (!all) return Fail("rm", all.error());
    for (const auto& c : *all) names.push_back(c.id);
  }
  int status = 0;
  for (const auto& n : names) {
    auto rec = containers.Find(n);
    if (!rec) {
      status = Fail("rm " + n, rec.error());
      continue;
    }
    if (auto r = runner::RemoveContainer(root, *rec, o.force); !r) {
      status = Fail("rm " + n, r.error());
      continue;
    }
    std::printf("%s\n", o.all ? rec->id.c_str() : n.c_str());
  }
  return status;
}

}  // namespace

void RegisterRm(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto o = std::make_shared<RmOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "Remove one or more containers");
  cmd->add_option("CONTAINER", o->names, "Container names or ids");
  cmd->add_flag("-f,--force", o->force, "Stop and remove running containers");
  cmd->add_flag("-a,--all", o->all, "Remove all containers");
  cmd->callback([&inv, o] { inv.action = [&inv, o] { return Run(inv.global, *o); }; });
}

void RegisterContainerPrune(CLI::App& parent, Invocation& inv) {
  auto force = std::make_shared<bool>(false);
  CLI::App* cmd = parent.add_subcommand("prune", "Remove all stopped containers");
  cmd->add_flag("-f,--force", *force, "Do not ask for confirmation");
  cmd->callback([&inv, force] {
    inv.action = [&inv] {
      auto root = StoreRoot(inv.global);
      runner::ContainerStore containers(root);
      auto all = containers.List();
      if (!all) return Fail("container prune", all.error());
      int status = 0;
      for (const auto& c : *all) {
        auto state = containers.LoadState(c.id);
        if (state && state->status == runner::ContainerStatus::kRunning) continue;
        if (auto r = runner::RemoveContainer(root, c, false); !r) {
          status = Fail("container prune " + c.name, r.error());
          continue;
        }
        std::printf("%s\n", c.id.c_str());
      }
      return status;
    };
  });
}

}  // namespace berth::cli
