// berth manifest inspect [--raw] [access flags] REF: the manifest or index a reference names,
// as the registry serves it (an index stays an index). Printed indented with 4 spaces, keys in
// the served order, as podman manifest inspect does; --raw prints the exact bytes, which hash
// to the digest.
#include <cstdio>

#include "berth/puller/pull.hpp"
#include "command.hpp"
#include "registry_flags.hpp"
#include "remote_json.hpp"

namespace berth::cli {

namespace {

struct ManifestInspectFlags {
  std::string reference;
  bool raw = false;
  AccessFlags access;
};

int RunInspect(const ManifestInspectFlags& f) {
  puller::InspectOptions o;
  auto ref = RegistryReference(f.reference, "manifest inspect");
  if (!ref) return Fail("manifest inspect " + f.reference, ref.error());
  o.reference = *ref;
  o.manifest_only = true;
  o.access = ToAccess(f.access);
  auto image = puller::InspectRemote(o);
  if (!image) return Fail(image.error());  // "inspect docker.io/...: ..." already
  const std::string& bytes = image->top.bytes;
  if (f.raw) {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  } else {
    std::printf("%s\n", IndentJson(bytes).c_str());
  }
  return 0;
}

}  // namespace

void RegisterManifest(CLI::App& parent, Invocation& inv) {
  CLI::App* manifest = parent.add_subcommand("manifest", "Inspect manifests and indexes");
  manifest->require_subcommand(1);
  auto f = std::make_shared<ManifestInspectFlags>();
  CLI::App* cmd =
      manifest->add_subcommand("inspect", "Print the manifest or index a reference names");
  cmd->add_option("REF", f->reference, "Image reference ([docker://]HOST/REPO[:TAG|@DIGEST])")
      ->required();
  cmd->add_flag("--raw", f->raw, "The bytes exactly as served");
  AddAccessFlags(cmd, f->access);
  cmd->callback([&inv, f] { inv.action = [f] { return RunInspect(*f); }; });
}

}  // namespace berth::cli
