// berth inspect IMAGE...: podman-style JSON of stored images.
#include "command.hpp"
#include "image_json.hpp"
#include "output.hpp"

namespace berth::cli {

namespace {

struct InspectOptions {
  std::vector<std::string> targets;
  std::string format;
};

int Run(const GlobalOptions& g, const InspectOptions& o) {
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
    for (const auto& item : out) std::printf("%s\n", RenderTemplate(o.format, item).c_str());
  }
  return 0;
}

}  // namespace

void RegisterInspect(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "Show an image's configuration and layers as JSON");
  cmd->add_option("IMAGE", opts->targets, "Image names or ids")->required();
  cmd->add_option("-f,--format", opts->format, "Go template applied to each result, e.g. {{.Id}}");
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return Run(inv.global, *opts); }; });
}

}  // namespace berth::cli
