// berth: pull, store, build and run OCI images, without a daemon.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "command.hpp"

using berth::cli::Invocation;

int main(int argc, char** argv) {
  CLI::App app{"berth: pull, store, build and run OCI images, without a daemon", "berth"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", "berth version " BERTH_VERSION);
  Invocation inv;
  app.add_option("--root", inv.global.root,
                 "Store root (default $BERTH_ROOT, else /var/lib/berth)");

  berth::cli::RegisterImages(app, inv, "images");
  berth::cli::RegisterInspect(app, inv, "inspect");
  berth::cli::RegisterHistory(app, inv, "history");
  berth::cli::RegisterTag(app, inv, "tag");
  berth::cli::RegisterRmi(app, inv, "rmi");
  berth::cli::RegisterLoad(app, inv, "load");
  berth::cli::RegisterSave(app, inv, "save");
  berth::cli::RegisterPull(app, inv, "pull");
  berth::cli::RegisterPush(app, inv, "push");
  berth::cli::RegisterLogin(app, inv, "login");
  berth::cli::RegisterLogout(app, inv, "logout");
  berth::cli::RegisterManifest(app, inv);
  berth::cli::RegisterRun(app, inv);
  berth::cli::RegisterStart(app, inv);
  berth::cli::RegisterExec(app, inv);
  berth::cli::RegisterStop(app, inv);
  berth::cli::RegisterBuild(app, inv);
  berth::cli::RegisterRestart(app, inv);
  berth::cli::RegisterKill(app, inv);
  berth::cli::RegisterWait(app, inv);
  berth::cli::RegisterRm(app, inv, "rm");
  berth::cli::RegisterInternal(app, inv);
  berth::cli::RegisterVolume(app, inv);
  berth::cli::RegisterPs(app, inv, "ps");
  berth::cli::RegisterLogs(app, inv, "logs");
  berth::cli::RegisterCommit(app, inv);

  CLI::App* container = app.add_subcommand("container", "Manage containers");
  container->require_subcommand(1);
  berth::cli::RegisterStart(*container, inv);
  berth::cli::RegisterExec(*container, inv);
  berth::cli::RegisterStop(*container, inv);
  berth::cli::RegisterRestart(*container, inv);
  berth::cli::RegisterKill(*container, inv);
  berth::cli::RegisterWait(*container, inv);
  berth::cli::RegisterRm(*container, inv, "rm");
  berth::cli::RegisterContainerPrune(*container, inv);
  berth::cli::RegisterCommit(*container, inv);

  CLI::App* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  berth::cli::RegisterImages(*image, inv, "ls");
  berth::cli::RegisterInspect(*image, inv, "inspect", berth::cli::InspectKind::kImage);
  berth::cli::RegisterHistory(*image, inv, "history");
  berth::cli::RegisterTag(*image, inv, "tag");
  berth::cli::RegisterRmi(*image, inv, "rm");
  berth::cli::RegisterLoad(*image, inv, "load");
  berth::cli::RegisterSave(*image, inv, "save");
  berth::cli::RegisterPush(*image, inv, "push");
  berth::cli::RegisterImagePrune(*image, inv);
  berth::cli::RegisterImageMount(*image, inv);
  berth::cli::RegisterImageUnmount(*image, inv);

  berth::cli::RegisterPs(*container, inv, "ps");
  berth::cli::RegisterPs(*container, inv, "ls");
  berth::cli::RegisterPs(*container, inv, "list");
  berth::cli::RegisterLogs(*container, inv, "logs");
  berth::cli::RegisterInspect(*container, inv, "inspect", berth::cli::InspectKind::kContainer);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "berth: %s (see 'berth --help')\n", e.what());
    return berth::cli::kExitBerthFailed;
  }
  if (!inv.action) return berth::cli::kExitBerthFailed;
  return inv.action();
}
