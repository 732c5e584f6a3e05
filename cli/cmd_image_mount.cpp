// berth image mount / unmount: an image's layers as a read-only OverlayFS tree.
#include "berth/runner/overlay_mount.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct MountOptions {
  std::vector<std::string> images;
  bool all = false;
};

int RunMount(const GlobalOptions& g, const MountOptions& o) {
  auto store = OpenStore(g);
  if (!store) return Fail("image mount", store.error());
  if (o.images.empty()) {
    // Like podman: with no argument, list what is mounted.
    auto records = store->images().List();
    if (!records) return Fail("image mount", records.error());
    for (const auto& r : *records) {
      if (!store->IsImageMounted(r)) continue;
      std::string name = r.names.empty() ? r.config.Short() : r.names.front();
      std::printf("%s %s\n", name.c_str(), store->ImageMountPoint(r).c_str());
    }
    return 0;
  }
  for (const auto& name : o.images) {
    auto rec = store->FindImage(name);
    if (!rec) return Fail("image mount " + name, rec.error());
    auto view = store->ReadImage(*rec);
    if (!view) return Fail("image mount " + name, view.error());
    auto path = runner::MountImage(*store, *view);
    if (!path) return Fail("image mount " + name, path.error());
    std::printf("%s\n", path->c_str());
  }
  return 0;
}

int RunUnmount(const GlobalOptions& g, const MountOptions& o) {
  auto store = OpenStore(g);
  if (!store) return Fail("image unmount", store.error());
  std::vector<store::ImageRecord> targets;
  if (o.all) {
    auto records = store->images().List();
    if (!records) return Fail("image unmount", records.error());
    for (const auto& r : *records) {
      if (store->IsImageMounted(r)) targets.push_back(r);
    }
  }
  for (const auto& name : o.images) {
    auto rec = store->FindImage(name);
    if (!rec) return Fail("image unmount " + name, rec.error());
    targets.push_back(*rec);
  }
  for (const auto& r : targets) {
    auto u = runner::UnmountImage(*store, r);
    if (!u) return Fail("image unmount " + r.config.Short(), u.error());
    std::printf("%s\n", r.config.hex().c_str());
  }
  return 0;
}

}  // namespace

void RegisterImageMount(CLI::App& parent, Invocation& inv) {
  auto opts = std::make_shared<MountOptions>();
  CLI::App* cmd = parent.add_subcommand("mount", "Mount an image's root filesystem read-only");
  cmd->add_option("IMAGE", opts->images, "Images to mount (none: list mounted images)");
  cmd->callback(
      [&inv, opts] { inv.action = [&inv, opts] { return RunMount(inv.global, *opts); }; });
}

void RegisterImageUnmount(CLI::App& parent, Invocation& inv) {
  auto opts = std::make_shared<MountOptions>();
  CLI::App* cmd = parent.add_subcommand("unmount", "Unmount an image's root filesystem");
  cmd->alias("umount");
  cmd->add_option("IMAGE", opts->images, "Images to unmount");
  cmd->add_flag("-a,--all", opts->all, "Unmount every mounted image");
  cmd->callback(
      [&inv, opts] { inv.action = [&inv, opts] { return RunUnmount(inv.global, *opts); }; });
}

}  // namespace berth::cli
