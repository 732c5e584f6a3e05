// berth pull [--platform] [--tls-verify] [--creds] [--authfile] [--cert-dir]
//            [--registries-conf] [--max-parallel-downloads N] [-q] IMAGE
#include <unistd.h>

#include <cstdio>

#include "berth/puller/pull.hpp"
#include "command.hpp"
#include "registry_flags.hpp"
#include "transfer_progress.hpp"

namespace berth::cli {

namespace {

struct PullFlags {
  std::string image;
  std::string platform;
  AccessFlags access;
  int max_parallel = 3;
  bool quiet = false;
};

int Run(const GlobalOptions& g, const PullFlags& f) {
  puller::PullOptions o;
  auto ref = RegistryReference(f.image, "pull");
  if (!ref) return Fail("pull " + f.image, ref.error());
  o.reference = *ref;
  o.platform = f.platform;
  o.max_parallel = f.max_parallel;
  TransferProgress progress(::isatty(STDERR_FILENO) == 1);
  if (!f.quiet) o.progress = &progress;
  auto store = OpenStore(g);
  if (!store) return Fail("pull " + f.image, store.error());
  o.access = ToAccess(f.access, store->root());
  if (!f.quiet) std::fprintf(stderr, "Trying to pull %s...\n", f.image.c_str());
  auto r = puller::Pull(*store, o);
  if (!r) return Fail(r.error());  // already reads "pull <reference>: ..."
  std::printf("%s\n", r->image_id.hex().c_str());
  return 0;
}

}  // namespace

void RegisterPull(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto f = std::make_shared<PullFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "Pull an image from a registry");
  cmd->add_option("IMAGE", f->image, "Image reference")->required();
  cmd->add_option("--platform", f->platform, "Platform os/arch[/variant]");
  AddAccessFlags(cmd, f->access);
  cmd->add_option("--max-parallel-downloads", f->max_parallel,
                  "Layers downloaded at the same time (default 3)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("-q,--quiet", f->quiet, "Print only the image id");
  cmd->callback([&inv, f] { inv.action = [&inv, f] { return Run(inv.global, *f); }; });
}

}  // namespace berth::cli
