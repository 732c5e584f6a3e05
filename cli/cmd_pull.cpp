// berth pull [--platform] [--tls-verify] [--creds] [--authfile] [--cert-dir]
//            [--registries-conf] [--max-parallel-downloads N] [-q] IMAGE
#include <unistd.h>

#include <cstdio>

#include "berth/puller/pull.hpp"
#include "command.hpp"
#include "registry_flags.hpp"
#include "transfer_display.hpp"

namespace berth::cli {

namespace {

struct PullFlags {
  std::string image;
  std::string platform;
  AccessFlags access;
  int max_parallel = 3;
  bool quiet = false;
};

// Podman-style progress: live bars on a terminal, plain lines otherwise.
class PullDisplay : public puller::PullProgress {
 public:
  explicit PullDisplay(bool tty) : display_(stderr, tty) {}
  void BlobStarted(const store::Digest& d, int64_t size) override {
    display_.Start(d.Short(), size);
  }
  void BlobBytes(const store::Digest& d, uint64_t done, int64_t) override {
    display_.Progress(d.Short(), done);
  }
  void BlobDone(const store::Digest& d) override { display_.Finish(d.Short(), "done"); }
  void BlobExists(const store::Digest& d) override {
    display_.Finish(d.Short(), "skipped: already exists");
  }
  void ConfigDone(const store::Digest& d) override {
    display_.Line("Copying config " + d.Short() + " done");
  }
  void WritingManifest() override { display_.Line("Writing manifest to image destination"); }

 private:
  TransferDisplay display_;
};

int Run(const GlobalOptions& g, const PullFlags& f) {
  puller::PullOptions o;
  o.reference = f.image;
  o.platform = f.platform;
  o.access = ToAccess(f.access);
  o.max_parallel = f.max_parallel;
  PullDisplay progress(::isatty(STDERR_FILENO) == 1);
  if (!f.quiet) o.progress = &progress;
  auto store = OpenStore(g);
  if (!store) return Fail("pull " + f.image, store.error());
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
