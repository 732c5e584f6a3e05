// berth inspect NAME...: podman-style JSON of containers and stored images; a name that is
// a container's is inspected as the container (podman looks at containers first).
// `berth container inspect` and `berth image inspect` look only at their own kind; so does
// `--type container|image`.
// berth inspect --remote [--raw] [--config] [-n] [--platform] [access flags] REF: what
// `skopeo inspect docker://REF` prints, read from the registry without touching the store.
#include <cstdio>

#include "berth/base/strings.hpp"
#include "berth/puller/pull.hpp"
#include "berth/runner/container_observe.hpp"
#include "command.hpp"
#include "container_json.hpp"
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
  std::string type;  // --type: container, image or all
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
  auto parsed = RegistryReference(o.targets[0], "inspect --remote");
  if (!parsed) return Fail("inspect --remote " + o.targets[0], parsed.error());
  std::string ref = *parsed;
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

// The container `target` names, as JSON; kNotFound when there is none.
Result<nlohmann::ordered_json> InspectContainer(const GlobalOptions& g, const std::string& target) {
  runner::ContainerStore containers(StoreRoot(g));
  BERTH_ASSIGN_OR_RETURN(runner::ContainerRecord rec, containers.Find(target));
  BERTH_ASSIGN_OR_RETURN(runner::ContainerState state, runner::ObservedState(containers, rec.id));
  // The image may be gone (or the store busy); inspect still shows the container.
  std::optional<store::ImageView> view;
  if (auto store = OpenStore(g)) {
    if (auto img = store->FindImage(rec.image_id)) {
      if (auto v = store->ReadImage(*img)) view = std::move(*v);
    }
  }
  runner::ContainerEntry entry{rec, state};
  return ContainerInspectJson(entry, view ? &view->config : nullptr,
                              containers.Dir(rec.id).string());
}

Result<nlohmann::ordered_json> InspectImage(const GlobalOptions& g, const std::string& target) {
  BERTH_ASSIGN_OR_RETURN(store::Store store, OpenStore(g));
  BERTH_ASSIGN_OR_RETURN(store::ImageRecord rec, store.FindImage(target));
  BERTH_ASSIGN_OR_RETURN(store::ImageView view, store.ReadImage(rec));
  return nlohmann::ordered_json::parse(ImageInspectJson(store, view).dump());
}

Result<nlohmann::ordered_json> InspectOne(const GlobalOptions& g, InspectKind kind,
                                          const std::string& target) {
  if (kind == InspectKind::kImage) return InspectImage(g, target);
  auto c = InspectContainer(g, target);
  if (c || kind == InspectKind::kContainer || c.error().code != ErrorCode::kNotFound) return c;
  // Not a container either: the image lookup's "image not known" says what is missing.
  return InspectImage(g, target);
}

int Run(const GlobalOptions& g, const InspectOptions& o, InspectKind kind) {
  if (o.remote) return RunRemote(o);
  if (o.type == "container") {
    kind = InspectKind::kContainer;
  } else if (o.type == "image") {
    kind = InspectKind::kImage;
  } else if (!o.type.empty() && o.type != "all") {
    return Fail("inspect", MakeError(ErrorCode::kInvalidArgument, "invalid --type " + Quote(o.type),
                                     "use container, image or all"));
  }
  // Ordered, so that a container's fields come in podman's order.
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& t : o.targets) {
    auto item = InspectOne(g, kind, t);
    if (!item) return Fail("inspect " + t, item.error());
    out.push_back(std::move(*item));
  }
  if (o.format.empty() || o.format == "json") {
    PrintJson(out);
  } else {
    for (const auto& item : out) PrintFormatted(o.format, nlohmann::json::parse(item.dump()));
  }
  return 0;
}

}  // namespace

void RegisterInspect(CLI::App& parent, Invocation& inv, const std::string& name, InspectKind kind) {
  auto opts = std::make_shared<InspectOptions>();
  const char* help =
      kind == InspectKind::kContainer ? "Show a container's configuration and state as JSON"
      : kind == InspectKind::kImage   ? "Show an image's configuration and layers as JSON"
                                      : "Show a container or image as JSON";
  CLI::App* cmd = parent.add_subcommand(name, help);
  cmd->add_option(
         "NAME", opts->targets,
         kind == InspectKind::kImage ? "Image names or ids" : "Container or image names or ids")
      ->required();
  cmd->add_option("-f,--format", opts->format, "Go template applied to each result, e.g. {{.Id}}");
  if (kind == InspectKind::kContainer) {
    cmd->callback([&inv, opts, kind] {
      inv.action = [&inv, opts, kind] { return Run(inv.global, *opts, kind); };
    });
    return;
  }
  if (kind == InspectKind::kAny) {
    cmd->add_option("-t,--type", opts->type, "What to inspect: container, image or all (default)");
  }
  cmd->add_flag("--remote", opts->remote,
                "Inspect the image in its registry (skopeo inspect's output), not the store");
  cmd->add_flag("--raw", opts->raw, "With --remote: the manifest (or --config) bytes as served");
  cmd->add_flag("--config", opts->config, "With --remote: the image's config");
  cmd->add_flag("-n,--no-tags", opts->no_tags, "With --remote: do not list the repository's tags");
  cmd->add_option("--platform", opts->platform,
                  "With --remote: the entry of a multi-arch index (os/arch[/variant])");
  AddAccessFlags(cmd, opts->access);
  cmd->callback([&inv, opts, kind] {
    inv.action = [&inv, opts, kind] { return Run(inv.global, *opts, kind); };
  });
}

}  // namespace berth::cli
