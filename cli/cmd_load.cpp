// berth load -i PATH: import images from an OCI layout, OCI archive or docker-archive.
#include <unistd.h>

#include "berth/store/archive.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct LoadOptions {
  std::string input;
  bool quiet = false;
};

int Run(const GlobalOptions& g, const LoadOptions& o) {
  if (o.input.empty()) {
    return Fail("load",
                MakeError(ErrorCode::kInvalidArgument, "no input given",
                          "use -i PATH (an OCI layout dir, OCI archive or docker-archive)"));
  }
  auto store = OpenStore(g);
  if (!store) return Fail("load " + o.input, store.error());
  auto loaded = store::LoadArchive(*store, o.input);
  if (!loaded) return Fail("load " + o.input, loaded.error());
  for (const auto& img : *loaded) {
    if (img.names.empty()) {
      std::printf("Loaded image: %s\n", img.record.config.String().c_str());
    }
    for (const auto& n : img.names) std::printf("Loaded image: %s\n", n.c_str());
  }
  return 0;
}

}  // namespace

void RegisterLoad(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<LoadOptions>();
  CLI::App* cmd = parent.add_subcommand(
      name, "Load images from an OCI layout (dir or tar) or a docker-archive");
  cmd->add_option("-i,--input", opts->input, "Path to read from")->required();
  cmd->add_flag("-q,--quiet", opts->quiet, "Suppress progress output");
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return Run(inv.global, *opts); }; });
}

}  // namespace berth::cli
