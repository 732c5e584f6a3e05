// berth volume create|ls|inspect|rm|prune|exists: named volumes, as podman volume manages them.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "berth/base/strings.hpp"
#include "berth/runner/container_list.hpp"
#include "berth/runner/run.hpp"
#include "berth/runner/volume_store.hpp"
#include "command.hpp"
#include "output.hpp"

namespace berth::cli {

namespace {

using runner::VolumeRecord;
using runner::VolumeStore;

// podman volume rm's exit statuses.
constexpr int kExitNoSuchVolume = 1;
constexpr int kExitVolumeInUse = 2;

// Which containers use which volume: all of them, or those running now (`running_only`).
Result<runner::VolumeUsers> VolumeUsers(const GlobalOptions& g, bool running_only) {
  runner::ContainerStore containers(StoreRoot(g));
  auto users = runner::VolumeUsersOf(containers, running_only);
  if (!users) return std::move(users).error().Context("find the containers using volumes");
  return users;
}

// Opens the store and its volumes; `store` must outlive the result.
Result<VolumeStore> OpenVolumes(const GlobalOptions& g, std::optional<store::Store>& store) {
  auto s = OpenStore(g);
  if (!s) return std::move(s).error();
  store.emplace(std::move(*s));
  return VolumeStore::Open(*store);
}

// podman volume inspect's object for one volume; `running` are the running containers'
// volumes (VolumeUsers(g, true)).
nlohmann::ordered_json VolumeJson(const VolumeRecord& v, const runner::VolumeUsers& running) {
  auto it = running.find(v.name);
  int mounts = it == running.end() ? 0 : static_cast<int>(it->second.size());
  return nlohmann::ordered_json::parse(runner::VolumeToJson(v, mounts));
}

void PrintVolumes(const std::string& format, const std::vector<VolumeRecord>& volumes,
                  const runner::VolumeUsers& running) {
  if (format.empty() || format == "json") {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& v : volumes) list.push_back(VolumeJson(v, running));
    std::printf("%s\n",
                list.dump(4, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    return;
  }
  for (const auto& v : volumes) {
    auto fields = nlohmann::json::parse(VolumeJson(v, running).dump());
    std::printf("%s\n", RenderTemplate(format, fields).c_str());
  }
}

struct CreateOptions {
  std::string name;
  std::vector<std::string> labels;
  std::vector<std::string> opts;
  std::string driver = "local";
  bool ignore = false;
};

int RunCreate(const GlobalOptions& g, const CreateOptions& o) {
  if (o.driver != "local") {
    return Fail("volume create",
                MakeError(ErrorCode::kUnsupported,
                          "volume driver " + Quote(o.driver) + " is not supported (only 'local')"));
  }
  if (!o.opts.empty()) {
    return Fail("volume create",
                MakeError(ErrorCode::kUnsupported, "volume driver options (-o) are not supported"));
  }
  runner::CreateVolumeOptions co;
  co.name = o.name;
  for (const auto& l : o.labels) {
    size_t eq = l.find('=');
    co.labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  std::optional<store::Store> store;
  auto volumes = OpenVolumes(g, store);
  if (!volumes) return Fail("volume create", volumes.error());
  auto v = volumes->Create(co);
  if (!v && o.ignore && v.error().code == ErrorCode::kAlreadyExists) {
    std::printf("%s\n", o.name.c_str());
    return 0;
  }
  if (!v) return Fail(v.error());  // "create volume 'x': ..."
  std::printf("%s\n", v->name.c_str());
  return 0;
}

struct ListOptions {
  bool quiet = false;
  std::string format;
};

int RunList(const GlobalOptions& g, const ListOptions& o) {
  std::optional<store::Store> store;
  auto volumes = OpenVolumes(g, store);
  if (!volumes) return Fail("volume ls", volumes.error());
  auto list = volumes->List();
  if (!list) return Fail("volume ls", list.error());
  if (o.quiet) {
    for (const auto& v : *list) std::printf("%s\n", v.name.c_str());
    return 0;
  }
  auto running = VolumeUsers(g, true);
  if (!running) return Fail("volume ls", running.error());
  if (o.format == "json") {
    PrintVolumes("json", *list, *running);
    return 0;
  }
  if (list->empty()) return 0;  // podman prints no table at all, not even its heading
  std::vector<nlohmann::json> rows;
  for (const auto& v : *list) {
    rows.push_back(nlohmann::json::parse(VolumeJson(v, *running).dump()));
  }
  PrintRows(o.format, {{"DRIVER", "Driver", 12}, {"VOLUME NAME", "Name", 12}}, rows);
  return 0;
}

struct InspectOptions {
  std::vector<std::string> names;
  bool all = false;
  std::string format;
};

int RunInspect(const GlobalOptions& g, const InspectOptions& o) {
  if (o.names.empty() != o.all) {
    return Fail("volume inspect", MakeError(ErrorCode::kInvalidArgument,
                                            "give volume names or --all, not both or neither"));
  }
  std::optional<store::Store> store;
  auto volumes = OpenVolumes(g, store);
  if (!volumes) return Fail("volume inspect", volumes.error());
  std::vector<VolumeRecord> found;
  int status = 0;
  if (o.all) {
    auto list = volumes->List();
    if (!list) return Fail("volume inspect", list.error());
    found = std::move(*list);
  }
  for (const auto& n : o.names) {
    auto v = volumes->Find(n);
    if (!v) {
      // As podman: the volumes found are printed, each one missing is an error.
      status = Fail("volume inspect", v.error());
      continue;
    }
    found.push_back(std::move(*v));
  }
  auto running = VolumeUsers(g, true);
  if (!running) return Fail("volume inspect", running.error());
  if (!found.empty() || status == 0) PrintVolumes(o.format, found, *running);
  return status;
}

// Removes (force-stopping) the containers that use volume `name`.
Result<void> RemoveUsers(const GlobalOptions& g, const std::string& name,
                         runner::VolumeUsers& users) {
  auto it = users.find(name);
  if (it == users.end()) return Ok();
  runner::ContainerStore containers(StoreRoot(g));
  for (const auto& id : it->second) {
    auto rec = containers.Find(id);
    if (!rec && rec.error().code == ErrorCode::kNotFound) continue;  // gone meanwhile
    if (!rec) return std::move(rec).error();
    auto r = runner::RemoveContainer(StoreRoot(g), *rec, true);
    if (!r) {
      return std::move(r).error().Context("remove container " + rec->name + " (it uses volume " +
                                          Quote(name) + ")");
    }
  }
  users.erase(it);
  return Ok();
}

struct RemoveOptions {
  std::vector<std::string> names;
  bool all = false;
  bool force = false;
};

int RunRemove(const GlobalOptions& g, const RemoveOptions& o) {
  if (o.names.empty() != o.all) {
    return Fail("volume rm", MakeError(ErrorCode::kInvalidArgument,
                                       "give volume names or --all, not both or neither"));
  }
  std::optional<store::Store> store;
  auto volumes = OpenVolumes(g, store);
  if (!volumes) return Fail("volume rm", volumes.error());
  std::vector<std::string> names = o.names;
  if (o.all) {
    auto list = volumes->List();
    if (!list) return Fail("volume rm", list.error());
    for (const auto& v : *list) names.push_back(v.name);
  }
  auto users = VolumeUsers(g, false);
  if (!users) return Fail("volume rm", users.error());
  bool missing = false, busy = false, failed = false;
  for (const auto& n : names) {
    auto v = volumes->Find(n);
    if (!v) {
      Fail("volume rm", v.error());
      (v.error().code == ErrorCode::kNotFound ? missing : failed) = true;
      continue;
    }
    // As podman: --force first removes the containers using it (stopping running ones).
    if (o.force) {
      if (auto r = RemoveUsers(g, v->name, *users); !r) {
        Fail("volume rm", r.error());
        failed = true;
        continue;
      }
    }
    auto r = volumes->Remove(v->name, o.force, *users);
    if (!r) {
      Fail(r.error());  // "remove volume 'x': ..."
      (r.error().code == ErrorCode::kBusy ? busy : failed) = true;
      continue;
    }
    std::printf("%s\n", v->name.c_str());
  }
  // podman goes on with the other volumes, then exits 125 for a failure, else 2 if a volume
  // was in use, else 1 if one did not exist.
  if (failed) return kExitBerthFailed;
  if (busy) return kExitVolumeInUse;
  return missing ? kExitNoSuchVolume : 0;
}

bool Confirm(const std::vector<std::string>& names) {
  std::printf(
      "WARNING! This will remove all volumes not used by at least one container. The "
      "following volumes will be removed:\n");
  for (const auto& n : names) std::printf("%s\n", n.c_str());
  std::printf("Are you sure you want to continue? [y/N] ");
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

int RunPrune(const GlobalOptions& g, bool force) {
  std::optional<store::Store> store;
  auto volumes = OpenVolumes(g, store);
  if (!volumes) return Fail("volume prune", volumes.error());
  auto found = VolumeUsers(g, false);
  if (!found) return Fail("volume prune", found.error());
  const runner::VolumeUsers& users = *found;
  if (!force && ::isatty(0)) {
    auto list = volumes->List();
    if (!list) return Fail("volume prune", list.error());
    std::vector<std::string> unused;
    for (const auto& v : *list) {
      if (!users.contains(v.name) || users.at(v.name).empty()) unused.push_back(v.name);
    }
    if (unused.empty() || !Confirm(unused)) return 0;
  }
  auto removed = volumes->Prune(users);
  if (!removed) return Fail(removed.error());  // "prune volumes: ..."
  for (const auto& n : *removed) std::printf("%s\n", n.c_str());
  return 0;
}

int RunExists(const GlobalOptions& g, const std::string& name) {
  std::optional<store::Store> store;
  auto volumes = OpenVolumes(g, store);
  if (!volumes) return Fail("volume exists", volumes.error());
  auto v = volumes->Get(name);
  if (v) return 0;
  if (v.error().code == ErrorCode::kNotFound) return 1;
  return Fail("volume exists", v.error());
}

void RegisterCreate(CLI::App& volume, Invocation& inv) {
  auto o = std::make_shared<CreateOptions>();
  CLI::App* cmd = volume.add_subcommand("create", "Create a volume (prints its name)");
  cmd->add_option("NAME", o->name, "Volume name (default: a random 64-hex-digit name)");
  cmd->add_option("-l,--label", o->labels, "Set a label (KEY=VALUE), repeatable");
  cmd->add_option("-d,--driver", o->driver, "Volume driver (only 'local')");
  cmd->add_option("-o,--opt", o->opts, "Driver options (not supported)");
  cmd->add_flag("--ignore", o->ignore, "Do not fail if the volume exists; print its name");
  cmd->callback([&inv, o] { inv.action = [&inv, o] { return RunCreate(inv.global, *o); }; });
}

void RegisterList(CLI::App& volume, Invocation& inv) {
  auto o = std::make_shared<ListOptions>();
  CLI::App* cmd = volume.add_subcommand("ls", "List volumes");
  cmd->alias("list");
  cmd->add_flag("-q,--quiet", o->quiet, "Print volume names only");
  cmd->add_option("--format", o->format,
                  "json, a Go template ({{.Name}} {{.Mountpoint}}) or 'table <template>'");
  cmd->callback([&inv, o] { inv.action = [&inv, o] { return RunList(inv.global, *o); }; });
}

void RegisterInspect(CLI::App& volume, Invocation& inv) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = volume.add_subcommand("inspect", "Show volumes as JSON");
  cmd->add_option("NAME", o->names, "Volume names (or unique prefixes)");
  cmd->add_flag("-a,--all", o->all, "Inspect every volume");
  cmd->add_option("-f,--format", o->format,
                  "json (default) or a Go template, e.g. {{.Mountpoint}}");
  cmd->callback([&inv, o] { inv.action = [&inv, o] { return RunInspect(inv.global, *o); }; });
}

void RegisterRemove(CLI::App& volume, Invocation& inv) {
  auto o = std::make_shared<RemoveOptions>();
  CLI::App* cmd = volume.add_subcommand("rm", "Remove volumes (prints each name removed)");
  cmd->alias("remove");
  cmd->add_option("NAME", o->names, "Volume names (or unique prefixes)");
  cmd->add_flag("-a,--all", o->all, "Remove every volume");
  cmd->add_flag("-f,--force", o->force, "Remove volumes even if containers use them");
  cmd->callback([&inv, o] { inv.action = [&inv, o] { return RunRemove(inv.global, *o); }; });
}

}  // namespace

void RegisterVolume(CLI::App& parent, Invocation& inv) {
  CLI::App* volume = parent.add_subcommand("volume", "Manage volumes");
  volume->require_subcommand(1);
  RegisterCreate(*volume, inv);
  RegisterList(*volume, inv);
  RegisterInspect(*volume, inv);
  RegisterRemove(*volume, inv);
  auto force = std::make_shared<bool>(false);
  CLI::App* prune = volume->add_subcommand("prune", "Remove every volume no container uses");
  prune->add_flag("-f,--force", *force, "Do not ask for confirmation");
  prune->callback(
      [&inv, force] { inv.action = [&inv, force] { return RunPrune(inv.global, *force); }; });
  auto name = std::make_shared<std::string>();
  CLI::App* exists = volume->add_subcommand("exists", "Exit 0 if the volume exists, else 1");
  exists->add_option("NAME", *name, "Volume name")->required();
  exists->callback(
      [&inv, name] { inv.action = [&inv, name] { return RunExists(inv.global, *name); }; });
}

}  // namespace berth::cli
