#include "berth/runner/run_options.hpp"

#include <nlohmann/json.hpp>

namespace berth::runner {

namespace {

using nlohmann::json;

template <typename T>
void PutOpt(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

template <typename T>
void GetOpt(const json& j, const char* key, std::optional<T>& out) {
  if (j.contains(key) && !j[key].is_null()) out = j[key].get<T>();
}

json MountJson(const MountRequest& m) {
  json j{{"Type", std::string(MountTypeName(m.type))},
         {"Source", m.source},
         {"Destination", m.destination},
         {"ReadOnly", m.read_only},
         {"Propagation", m.propagation},
         {"Options", m.options},
         {"CopyUp", m.copy_up}};
  PutOpt(j, "TmpfsSize", m.tmpfs_size);
  PutOpt(j, "TmpfsMode", m.tmpfs_mode);
  return j;
}

MountRequest MountFrom(const json& j) {
  MountRequest m;
  std::string type = j.value("Type", "bind");
  m.type = type == "volume"  ? MountRequest::Type::kVolume
           : type == "tmpfs" ? MountRequest::Type::kTmpfs
                             : MountRequest::Type::kBind;
  m.source = j.value("Source", "");
  m.destination = j.at("Destination").get<std::string>();
  m.read_only = j.value("ReadOnly", false);
  m.propagation = j.value("Propagation", "rprivate");
  m.options = j.value("Options", std::vector<std::string>{});
  m.copy_up = j.value("CopyUp", false);
  GetOpt(j, "TmpfsSize", m.tmpfs_size);
  GetOpt(j, "TmpfsMode", m.tmpfs_mode);
  return m;
}

json ProcessJson(const ProcessOverrides& p) {
  json j{{"Command", p.command}, {"Env", p.env}, {"Tty", p.tty}};
  std::vector<std::string> files;
  for (const auto& f : p.env_files) files.push_back(f.string());
  j["EnvFiles"] = files;
  PutOpt(j, "Entrypoint", p.entrypoint);
  PutOpt(j, "WorkingDir", p.workdir);
  PutOpt(j, "User", p.user);
  return j;
}

ProcessOverrides ProcessFrom(const json& j) {
  ProcessOverrides p;
  p.command = j.value("Command", std::vector<std::string>{});
  p.env = j.value("Env", std::vector<std::string>{});
  p.tty = j.value("Tty", false);
  for (const auto& f : j.value("EnvFiles", std::vector<std::string>{})) p.env_files.push_back(f);
  GetOpt(j, "Entrypoint", p.entrypoint);
  GetOpt(j, "WorkingDir", p.workdir);
  GetOpt(j, "User", p.user);
  return p;
}

json LimitsJson(const ResourceLimits& l) {
  json j = json::object();
  PutOpt(j, "Memory", l.memory);
  PutOpt(j, "MemorySwap", l.memory_swap);
  PutOpt(j, "Cpus", l.cpus);
  PutOpt(j, "CpuShares", l.cpu_shares);
  PutOpt(j, "CpusetCpus", l.cpuset_cpus);
  PutOpt(j, "PidsLimit", l.pids_limit);
  return j;
}

ResourceLimits LimitsFrom(const json& j) {
  ResourceLimits l;
  GetOpt(j, "Memory", l.memory);
  GetOpt(j, "MemorySwap", l.memory_swap);
  GetOpt(j, "Cpus", l.cpus);
  GetOpt(j, "CpuShares", l.cpu_shares);
  GetOpt(j, "CpusetCpus", l.cpuset_cpus);
  GetOpt(j, "PidsLimit", l.pids_limit);
  return l;
}

}  // namespace

PrivilegeOptions PrivilegeOptionsOf(const RunOptions& o) {
  return PrivilegeOptions{o.cap_add, o.cap_drop, o.seccomp, o.ulimits, o.privileged};
}

std::string RunOptionsToJson(const RunOptions& o) {
  json mounts = json::array();
  for (const auto& m : o.mounts) mounts.push_back(MountJson(m));
  json j{{"Image", o.image},
         {"Process", ProcessJson(o.process)},
         {"Name", o.name},
         {"Hostname", o.hostname},
         {"Remove", o.remove},
         {"ReadOnly", o.read_only},
         {"Privileged", o.privileged},
         {"Init", o.init},
         {"Interactive", o.interactive},
         {"Detach", o.detach},
         {"Network", o.network == NetworkMode::kHost ? "host" : "none"},
         {"Limits", LimitsJson(o.limits)},
         {"CapAdd", o.cap_add},
         {"CapDrop", o.cap_drop},
         {"Seccomp", o.seccomp},
         {"Ulimits", o.ulimits},
         {"Mounts", mounts}};
  return j.dump();
}

Result<RunOptions> RunOptionsFromJson(std::string_view text) {
  try {
    json j = json::parse(text);
    RunOptions o;
    o.image = j.value("Image", "");
    if (j.contains("Process")) o.process = ProcessFrom(j["Process"]);
    o.name = j.value("Name", "");
    o.hostname = j.value("Hostname", "");
    o.remove = j.value("Remove", false);
    o.read_only = j.value("ReadOnly", false);
    o.privileged = j.value("Privileged", false);
    o.init = j.value("Init", false);
    o.interactive = j.value("Interactive", false);
    o.detach = j.value("Detach", false);
    o.network = j.value("Network", "none") == "host" ? NetworkMode::kHost : NetworkMode::kNone;
    if (j.contains("Limits")) o.limits = LimitsFrom(j["Limits"]);
    o.cap_add = j.value("CapAdd", std::vector<std::string>{});
    o.cap_drop = j.value("CapDrop", std::vector<std::string>{});
    o.seccomp = j.value("Seccomp", "");
    o.ulimits = j.value("Ulimits", std::vector<std::string>{});
    for (const auto& m : j.value("Mounts", json::array())) o.mounts.push_back(MountFrom(m));
    return o;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("read run options: ") + e.what());
  }
}

}  // namespace berth::runner
