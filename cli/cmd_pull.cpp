// berth pull [--platform] [--tls-verify] [--creds] [--authfile] [--cert-dir]
//            [--registries-conf] [-q] IMAGE
#include <unistd.h>

#include <cstdio>

#include "berth/puller/pull.hpp"
#include "command.hpp"
#include "transfer_display.hpp"

namespace berth::cli {

namespace {

struct PullFlags {
  std::string image;
  std::string platform;
  std::string tls_verify;
  std::string creds;
  std::string authfile;
  std::string cert_dir;
  std::string registries_conf;
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
  if (f.tls_verify == "false") o.access.tls_verify = false;
  if (f.tls_verify == "true") o.access.tls_verify = true;
  o.access.creds = f.creds;
  o.access.authfile = f.authfile;
  o.access.cert_dir = f.cert_dir;
  o.access.registries_conf = f.registries_conf;
  PullDisplay progress(::isatty(STDERR_FILENO) == 1);
  if (!f.quiet) o.progress = &progress;
  auto store = OpenStore(g);
  if (!store) return Fail("pull " + f.image, store.error());
  if (!f.quiet) std::fprintf(stderr, "Trying to pull %s...\n", f.image.c_str());
  auto r = puller::Pull(*store, o);
  if (!r) {
    // The library's error already reads "pull <reference>: ..."; print it as the one line.
    std::string line = "berth: " + r.error().ToString();
    for (char& c : line) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    std::fprintf(stderr, "%s\n", line.c_str());
    return kExitBerthFailed;
  }
  std::printf("%s\n", r->image_id.hex().c_str());
  return 0;
}

}  // namespace

void RegisterPull(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto f = std::make_shared<PullFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "Pull an image from a registry");
  cmd->add_option("IMAGE", f->image, "Image reference")->required();
  cmd->add_option("--platform", f->platform, "Platform os/arch[/variant]");
  cmd->add_option("--tls-verify", f->tls_verify, "Require HTTPS and verify certificates")
      ->check(CLI::IsMember({"true", "false"}))
      ->expected(0, 1)
      ->default_str("true");
  cmd->add_option("--creds", f->creds, "Credentials USER:PASS for the registry");
  cmd->add_option("--authfile", f->authfile, "Path of the authentication file");
  cmd->add_option("--cert-dir", f->cert_dir, "Directory with ca.crt, client.cert, client.key");
  cmd->add_option("--registries-conf", f->registries_conf, "Path of registries.json");
  cmd->add_flag("-q,--quiet", f->quiet, "Print only the image id");
  cmd->callback([&inv, f] { inv.action = [&inv, f] { return Run(inv.global, *f); }; });
}

}  // namespace berth::cli
