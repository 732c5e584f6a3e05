// berth rmi IMAGE... and berth image prune: remove images and what only they used.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "berth/base/strings.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct RmiOptions {
  std::vector<std::string> images;
  bool all = false;
  bool force = false;
  bool ignore = false;
};

void PrintReport(const store::RemoveReport& r) {
  for (const auto& n : r.untagged) std::printf("Untagged: %s\n", n.c_str());
  for (const auto& d : r.deleted) std::printf("Deleted: %s\n", d.hex().c_str());
}

int RunRmi(const GlobalOptions& g, const RmiOptions& o) {
  auto store = OpenStore(g);
  if (!store) return Fail("rmi", store.error());
  std::vector<std::string> targets = o.images;
  if (o.all) {
    auto records = store->images().List();
    if (!records) return Fail("rmi", records.error());
    for (const auto& r : *records) targets.push_back(r.config.hex());
  }
  if (targets.empty()) {
    return Fail("rmi", MakeError(ErrorCode::kInvalidArgument, "image name or id must be given"));
  }
  int status = 0;
  for (const auto& t : targets) {
    auto r = store->RemoveImage(t);
    if (!r) {
      if (o.ignore && r.error().code == ErrorCode::kNotFound) continue;
      // podman goes on with the other images and reports each failure.
      status = Fail("rmi " + t, r.error());
      if (r.error().code == ErrorCode::kNotFound) status = 1;
      continue;
    }
    PrintReport(*r);
  }
  return status;
}

struct PruneOptions {
  bool all = false;
  bool force = false;
};

int RunPrune(const GlobalOptions& g, const PruneOptions& o) {
  if (!o.force && ::isatty(0)) {
    std::printf(
        "WARNING! This command removes all %s images.\n"
        "Are you sure you want to continue? [y/N] ",
        o.all ? "unused" : "dangling");
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") return 0;
  }
  auto store = OpenStore(g);
  if (!store) return Fail("image prune", store.error());
  if (o.all) {
    // Every image is unused until containers exist (issue #4 adds them as users).
    auto records = store->images().List();
    if (!records) return Fail("image prune", records.error());
    for (const auto& r : *records) {
      if (store->IsImageMounted(r)) continue;
      auto rr = store->RemoveImage(r.config.hex());
      if (!rr) return Fail("image prune", rr.error());
      for (const auto& d : rr->deleted) std::printf("%s\n", d.hex().c_str());
    }
    return 0;
  }
  auto r = store->PruneImages();
  if (!r) return Fail("image prune", r.error());
  for (const auto& d : r->deleted) std::printf("%s\n", d.hex().c_str());
  return 0;
}

}  // namespace

void RegisterRmi(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<RmiOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "Remove images");
  cmd->add_option("IMAGE", opts->images, "Image names or ids");
  cmd->add_flag("-a,--all", opts->all, "Remove all images");
  cmd->add_flag("-f,--force", opts->force, "Remove even if in use");
  cmd->add_flag("-i,--ignore", opts->ignore, "Ignore images that do not exist");
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return RunRmi(inv.global, *opts); }; });
}

void RegisterImagePrune(CLI::App& parent, Invocation& inv) {
  auto opts = std::make_shared<PruneOptions>();
  CLI::App* cmd = parent.add_subcommand("prune", "Remove unused images");
  cmd->add_flag("-a,--all", opts->all, "Remove all unused images, not just dangling ones");
  cmd->add_flag("-f,--force", opts->force, "Do not ask for confirmation");
  cmd->callback(
      [&inv, opts] { inv.action = [&inv, opts] { return RunPrune(inv.global, *opts); }; });
}

}  // namespace berth::cli
