// berth push [--tls-verify] [--creds] [--authfile] [--cert-dir] [--registries-conf] [-q]
//            [--digestfile FILE] [--chunk-size SIZE] IMAGE [DESTINATION]
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <map>

#include "berth/base/fs.hpp"
#include "berth/puller/pull.hpp"
#include "command.hpp"
#include "registry_flags.hpp"
#include "transfer_progress.hpp"

namespace berth::cli {

namespace {

struct PushFlags {
  std::string image;
  std::string destination;
  AccessFlags access;
  bool quiet = false;
  std::string digestfile;
  std::string chunk_size;
};

// "64MiB", "64m", "512k", "1048576" -> bytes (binary units); -1 when malformed.
int64_t ParseSize(const std::string& text) {
  static const std::map<std::string, int> kShift = {
      {"", 0},    {"b", 0},    {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20},
      {"mb", 20}, {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}};
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return -1;
  std::string unit = text.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = kShift.find(unit);
  if (it == kShift.end()) return -1;
  return std::stoll(text.substr(0, digits)) << it->second;
}

int Run(const GlobalOptions& g, const PushFlags& f) {
  std::string what = "push " + f.image;
  puller::PushOptions o;
  o.source = f.image;
  auto dest = RegistryReference(f.destination, "push");
  if (!dest) return Fail(what, dest.error());
  o.destination = *dest;
  if (!f.chunk_size.empty()) {
    o.chunk_size = ParseSize(f.chunk_size);
    if (o.chunk_size < 0) {
      return Fail(what, MakeError(ErrorCode::kInvalidArgument,
                                  "--chunk-size '" + f.chunk_size + "': not a size (e.g. 64MiB)"));
    }
  }
  TransferProgress progress(::isatty(STDERR_FILENO) == 1);
  if (!f.quiet) o.progress = &progress;
  auto store = OpenStore(g);
  if (!store) return Fail(what, store.error());
  o.access = ToAccess(f.access, store->root());
  if (!f.quiet) std::fputs("Getting image source signatures\n", stderr);
  auto digest = puller::Push(*store, o);
  if (!digest) return Fail(digest.error());  // it names the destination already
  if (!f.digestfile.empty()) {
    auto w = WriteFileAtomic(f.digestfile, digest->String(), 0644);
    if (!w) return Fail(what, w.error().Context("write digest file"));
  }
  std::printf("%s\n", digest->String().c_str());
  return 0;
}

}  // namespace

void RegisterPush(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto f = std::make_shared<PushFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "Push an image to a registry");
  cmd->add_option("IMAGE", f->image, "Local image name or id")->required();
  cmd->add_option("DESTINATION", f->destination,
                  "Where to push: [docker://]HOST/REPOSITORY[:TAG] (default: the image's name)");
  AddAccessFlags(cmd, f->access);
  cmd->add_flag("-q,--quiet", f->quiet, "Print only the pushed manifest's digest");
  cmd->add_option("--digestfile", f->digestfile, "Write the pushed manifest's digest to FILE");
  cmd->add_option("--chunk-size", f->chunk_size,
                  "Upload blobs larger than SIZE in chunks of SIZE (default 64MiB; 0: never)");
  cmd->callback([&inv, f] { inv.action = [&inv, f] { return Run(inv.global, *f); }; });
}

}  // namespace berth::cli
