// berth save -o PATH [--format ...] IMAGE...: export images.
#include "berth/store/archive.hpp"
#include "berth/store/reference.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct SaveOptions {
  std::string output;
  std::string format = "docker-archive";
  std::vector<std::string> images;
  bool quiet = false;
};

int Run(const GlobalOptions& g, const SaveOptions& o) {
  auto format = store::ParseArchiveFormat(o.format);
  if (!format) return Fail("save", format.error());
  auto store = OpenStore(g);
  if (!store) return Fail("save", store.error());
  std::vector<store::SaveItem> items;
  for (const auto& name : o.images) {
    auto rec = store->FindImage(name);
    if (!rec) return Fail("save " + name, rec.error());
    auto view = store->ReadImage(*rec);
    if (!view) return Fail("save " + name, view.error());
    store::SaveItem item{std::move(*view), ""};
    // Record the name the user gave if it names the image; an id saves under its first name.
    auto ref = store::Reference::Parse(name);
    if (ref && std::find(rec->names.begin(), rec->names.end(), ref->String()) != rec->names.end()) {
      item.name = ref->String();
    } else if (!rec->names.empty()) {
      item.name = rec->names.front();
    }
    items.push_back(std::move(item));
  }
  auto r = store::SaveArchive(*store, items, o.output, *format);
  if (!r) return Fail("save " + o.output, r.error());
  return 0;
}

}  // namespace

void RegisterSave(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<SaveOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "Save images to an archive or OCI layout");
  cmd->add_option("-o,--output", opts->output, "Where to write")->required();
  cmd->add_option("--format", opts->format, "oci-dir, oci-archive or docker-archive")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", opts->quiet, "Suppress progress output");
  cmd->add_option("IMAGE", opts->images, "Images to save")->required();
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return Run(inv.global, *opts); }; });
}

}  // namespace berth::cli
