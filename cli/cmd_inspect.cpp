// berth inspect IMAGE...: podman-style JSON of stored images.
// berth inspect --remote [--raw] [--config] [-n] [--platform] [access flags] REF: what
// `skopeo inspect docker://REF` prints, read from the registry without touching the store.
#include <cstdio>

#include "berth/puller/pull.hpp"
#include "command.hpp"
#include "image_json.hpp"
#include "output.hpp"
#include "registry_flags.hpp"
#include "remote_json.hpp"

namespace berth::cli {

namespace {

struct InspectOptions {
  std::vector<std::string> targets;
  std::string format;
  bool remote = false;
  bool raw = false;
  bool config = false;
  bool no_tags = false;
  std::string platform;
  AccessFlags access;
};

void PrintFormatted(const std::string& format, const nlohmann::json& item) {
  if (format.empty() || format == "json") {
    PrintJson(item);
  } else {
    std::printf("%s\n", RenderTemplate(format, item).c_str());
  }
}

int RunRemote(const InspectOptions& o) {
  if (o.targets.size() != 1) {
    return Fail("inspect --remote",
                MakeError(ErrorCode::kInvalidArgument, "takes exactly one image reference"));
  }
  std::string ref = o.targets[0];
  if (ref.rfind("docker://", 0) == 0) ref = ref.substr(9);
  puller::InspectOptions io;
  io.reference = ref;
  io.platform = o.platform;
  io.list_tags = !o.no_tags && !o.raw && !o.config;
  io.manifest_only = o.raw && !o.config;
  io.access = ToAccess(o.access);
  auto image = puller::InspectRemote(io);
  if (!image) return Fail(image.error());  // "inspect docker.io/...: ..." already
  if (o.raw) {  // the bytes exactly as served, as skopeo --raw writes them (no newline)
    const std::string& bytes = o.config ? image->config_json : image->top.bytes;
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    return 0;
  }
  if (o.config) {
    std::printf("%s\n", IndentJson(image->config_json).c_str());
    return 0;
  }
  auto j = RemoteInspectJson(*image);
  if (o.format.empty() || o.format == "json") {
    std::printf("%s\n",
                j.dump(4, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    return 0;
  }
  PrintFormatted(o.format, nlohmann::json::parse(j.dump()));
  return 0;
}

int Run(const GlobalOptions& g, const InspectOptions& o) {
  if (o.remote) return RunRemote(o);
  auto store = OpenStore(g);
  if (!store) return Fail("inspect", store.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : o.targets) {
    auto rec = store->FindImage(t);
    if (!rec) return Fail("inspect " + t, rec.error());
    auto view = store->ReadImage(*rec);
    if (!view) return Fail("inspect " + t, view.error());
    out.push_back(ImageInspectJson(*store, *view));
  }
  if (o.format.empty() || o.format == "json") {
    PrintJson(out);
  } else {
    for (const auto& item : out) PrintFormatted(o.format, item);
  }
  return 0;
}

}  // namespace

void RegisterInspect(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "Show an image's configuration and layers as JSON");
  cmd->add_option("IMAGE", opts->targets, "Image names or ids")->required();
  cmd->add_option("-f,--format", opts->format, "Go template applied to each result, e.g. {{.Id}}");
  cmd->add_flag("--remote", opts->remote,
                "Inspect the image in its registry (skopeo inspect's output), not the store");
  cmd->add_flag("--raw", opts->raw, "With --remote: the manifest (or --config) bytes as served");
  cmd->add_flag("--config", opts->config, "With --remote: the image's config");
  cmd->add_flag("-n,--no-tags", opts->no_tags, "With --remote: do not list the repository's tags");
  cmd->add_option("--platform", opts->platform,
                  "With --remote: the entry of a multi-arch index (os/arch[/variant])");
  AddAccessFlags(cmd, opts->access);
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return Run(inv.global, *opts); }; });
}

}  // namespace berth::cli
