#include "container_json.hpp"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "berth/base/strings.hpp"

namespace berth::cli {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using runner::ContainerStatus;

constexpr int64_t kNanos = 1000000000;
// Go's zero time.Time, which podman prints for "never": as Unix seconds and as RFC 3339.
constexpr int64_t kGoZeroUnix = -62135596800;
constexpr const char* kGoZeroTime = "0001-01-01T00:00:00Z";

int64_t FloorSeconds(int64_t ns) { return ns / kNanos - (ns % kNanos < 0 ? 1 : 0); }

int64_t GoUnix(int64_t ns) { return ns == 0 ? kGoZeroUnix : FloorSeconds(ns); }

std::string GoTime(int64_t ns) {
  if (ns == 0) return kGoZeroTime;
  int64_t s = FloorSeconds(ns);
  return FormatRfc3339(s, static_cast<int32_t>(ns - s * kNanos));
}

// Go's time.Time.String() in UTC: "2024-01-02 03:04:05.123456789 +0000 UTC".
std::string GoTimeString(int64_t ns) {
  int64_t s = FloorSeconds(ns);
  time_t t = static_cast<time_t>(s);
  struct tm tm;
  ::gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string out(buf, n);
  int64_t frac = ns - s * kNanos;
  if (frac) {
    std::string f = std::to_string(frac);
    f.insert(0, 9 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + " +0000 UTC";
}

std::string Hex(const std::string& digest) {
  size_t colon = digest.find(':');
  return colon == std::string::npos ? digest : digest.substr(colon + 1);
}

bool Running(const runner::ContainerState& s) { return s.status == ContainerStatus::kRunning; }
bool Exited(const runner::ContainerState& s) {
  return s.status == ContainerStatus::kExited || s.status == ContainerStatus::kStopped;
}

std::string Norm(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// The first value whose normalised key is one of `names`: at the top level, then inside the
// nested sections.
const json* Find(const json& root, std::initializer_list<std::string_view> names) {
  auto in = [&](const json& obj) -> const json* {
    for (const auto& [k, v] : obj.items()) {
      std::string n = Norm(k);
      if (std::find(names.begin(), names.end(), n) != names.end()) return &v;
    }
    return nullptr;
  };
  if (const json* v = in(root)) return v;
  for (const auto& [k, v] : root.items()) {
    std::string n = Norm(k);
    if (v.is_object() && (n == "config" || n == "hostconfig" || n == "process" || n == "limits" ||
                          n == "resources")) {
      if (const json* found = in(v)) return found;
    }
  }
  return nullptr;
}

// A list of strings; a single string is a list of one, and "" an empty list (as
// --entrypoint "" clears the image's entrypoint).
std::optional<std::vector<std::string>> Strings(const json* v) {
  if (!v) return std::nullopt;
  if (v->is_string()) {
    std::string s = v->get<std::string>();
    if (s.empty()) return std::vector<std::string>{};
    return std::vector<std::string>{s};
  }
  if (!v->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::string> String(const json* v) {
  if (v && v->is_string()) return v->get<std::string>();
  return std::nullopt;
}

bool Bool(const json* v) { return v && v->is_boolean() && v->get<bool>(); }

int64_t Int(const json* v) {
  if (v && v->is_number_integer()) return v->get<int64_t>();
  if (v && v->is_number()) return static_cast<int64_t>(v->get<double>());
  return 0;
}

std::string Command(const runner::ContainerRecord& r, bool no_trunc) {
  std::string c = Join(r.command, " ");
  if (!no_trunc && c.size() > 17) c = c.substr(0, 17) + "...";
  return c;
}

// Config.Entrypoint and Config.Cmd: from the run options if they are there, otherwise
// split from the resolved argv at the image's entrypoint.
void EntrypointAndCmd(const runner::ContainerRecord& r, const RunSettings& rs,
                      const store::ImageConfig* image, std::vector<std::string>* entrypoint,
                      std::vector<std::string>* cmd) {
  std::vector<std::string> ep;
  if (rs.entrypoint) {
    ep = *rs.entrypoint;
  } else if (image && image->config.entrypoint) {
    ep = *image->config.entrypoint;
  }
  bool prefix =
      ep.size() <= r.command.size() && std::equal(ep.begin(), ep.end(), r.command.begin());
  *entrypoint = prefix ? ep : std::vector<std::string>{};
  if (rs.cmd) {
    *cmd = *rs.cmd;
  } else {
    cmd->assign(r.command.begin() + static_cast<std::ptrdiff_t>(prefix ? ep.size() : 0),
                r.command.end());
  }
}

ordered_json StateJson(const runner::ContainerState& s) {
  ordered_json j;
  j["Status"] = std::string(runner::StatusName(s.status));
  j["Running"] = Running(s);
  j["Paused"] = false;
  j["Restarting"] = false;
  j["OOMKilled"] = s.oom_killed;
  j["Dead"] = false;
  j["Pid"] = Running(s) ? s.pid : 0;
  if (s.monitor_pid > 0 && Running(s)) j["ConmonPid"] = s.monitor_pid;
  j["ExitCode"] = s.exit_code;
  j["Error"] = s.error;
  j["StartedAt"] = GoTime(s.started_at);
  j["FinishedAt"] = GoTime(s.finished_at);
  return j;
}

ordered_json ConfigJson(const runner::ContainerRecord& r, const RunSettings& rs,
                        const store::ImageConfig* image) {
  const store::ContainerConfig* ic = image ? &image->config : nullptr;
  std::vector<std::string> entrypoint, cmd;
  EntrypointAndCmd(r, rs, image, &entrypoint, &cmd);
  ordered_json j;
  j["Hostname"] = r.hostname;
  j["Domainname"] = "";
  j["User"] = rs.user ? *rs.user : (ic ? ic->user : "");
  j["AttachStdin"] = false;
  j["AttachStdout"] = false;
  j["AttachStderr"] = false;
  j["Tty"] = rs.tty;
  j["OpenStdin"] = rs.interactive;
  j["StdinOnce"] = false;
  j["Env"] = rs.env ? *rs.env : (ic ? ic->env : std::vector<std::string>{});
  j["Cmd"] = cmd;
  j["Image"] = r.image;
  j["Volumes"] = nullptr;
  std::string wd = rs.working_dir ? *rs.working_dir : (ic ? ic->working_dir : "");
  j["WorkingDir"] = wd.empty() ? "/" : wd;
  j["Entrypoint"] = entrypoint;
  j["OnBuild"] = nullptr;
  std::map<std::string, std::string> labels =
      ic ? ic->labels : std::map<std::string, std::string>{};
  for (const auto& [k, v] : rs.labels) labels[k] = v;
  j["Labels"] = labels;
  j["Annotations"] = json::object();
  j["StopSignal"] = ic && !ic->stop_signal.empty() ? ic->stop_signal : "SIGTERM";
  return j;
}

ordered_json HostConfigJson(const RunSettings& rs, const std::string& dir) {
  ordered_json j;
  j["Binds"] = json::array();
  j["CgroupMode"] = "private";
  j["ContainerIDFile"] = "";
  j["LogConfig"] = {{"Type", "k8s-file"}, {"Config", nullptr}, {"Path", dir + "/ctr.log"}};
  j["NetworkMode"] = rs.network ? *rs.network : "none";
  j["PortBindings"] = json::object();
  j["RestartPolicy"] = {{"Name", "no"}, {"MaximumRetryCount", 0}};
  j["AutoRemove"] = rs.auto_remove;
  j["CapAdd"] = json::array();
  j["CapDrop"] = json::array();
  j["Dns"] = json::array();
  j["DnsOptions"] = json::array();
  j["DnsSearch"] = json::array();
  j["ExtraHosts"] = json::array();
  j["IpcMode"] = "private";
  j["PidMode"] = "private";
  j["Privileged"] = rs.privileged;
  j["ReadonlyRootfs"] = rs.read_only;
  j["UTSMode"] = "private";
  j["CpuShares"] = rs.cpu_shares;
  j["Memory"] = rs.memory;
  // podman reports the default it applied: twice the memory limit.
  j["MemorySwap"] = rs.memory_swap == 0 && rs.memory > 0 ? 2 * rs.memory : rs.memory_swap;
  j["NanoCpus"] = rs.nano_cpus;
  j["CpuPeriod"] = rs.nano_cpus > 0 ? 100000 : 0;
  j["CpuQuota"] = rs.nano_cpus > 0 ? rs.nano_cpus / 10000 : 0;
  j["CpusetCpus"] = rs.cpuset_cpus;
  j["CpusetMems"] = "";
  j["PidsLimit"] = rs.pids_limit;
  return j;
}

}  // namespace

RunSettings ParseRunSettings(const std::string& config_json) {
  RunSettings rs;
  json root = json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) return rs;
  rs.env = Strings(Find(root, {"env"}));
  rs.cmd = Strings(Find(root, {"cmd", "command"}));
  // No command given means the image's: derive it from the argv instead.
  if (rs.cmd && rs.cmd->empty()) rs.cmd.reset();
  rs.entrypoint = Strings(Find(root, {"entrypoint"}));
  rs.working_dir = String(Find(root, {"workingdir", "workdir", "cwd"}));
  rs.user = String(Find(root, {"user"}));
  rs.network = String(Find(root, {"networkmode", "network"}));
  if (const json* l = Find(root, {"labels"}); l && l->is_object()) {
    for (const auto& [k, v] : l->items()) {
      if (v.is_string()) rs.labels[k] = v.get<std::string>();
    }
  }
  rs.tty = Bool(Find(root, {"tty"}));
  rs.interactive = Bool(Find(root, {"openstdin", "interactive"}));
  rs.auto_remove = Bool(Find(root, {"autoremove", "remove", "rm"}));
  rs.read_only = Bool(Find(root, {"readonlyrootfs", "readonly"}));
  rs.privileged = Bool(Find(root, {"privileged"}));
  rs.memory = Int(Find(root, {"memory"}));
  rs.memory_swap = Int(Find(root, {"memoryswap"}));
  rs.cpu_shares = Int(Find(root, {"cpushares"}));
  rs.pids_limit = Int(Find(root, {"pidslimit"}));
  if (auto s = String(Find(root, {"cpusetcpus"}))) rs.cpuset_cpus = *s;
  if (const json* n = Find(root, {"nanocpus"})) {
    rs.nano_cpus = Int(n);
  } else if (const json* c = Find(root, {"cpus"}); c && c->is_number()) {
    rs.nano_cpus = static_cast<int64_t>(std::llround(c->get<double>() * 1e9));
  }
  return rs;
}

std::string PsStatus(const runner::ContainerState& s, int64_t now) {
  if (Running(s)) return "Up " + HumanDuration(GoUnix(s.started_at), now);
  if (Exited(s)) {
    return "Exited (" + std::to_string(s.exit_code) + ") " + HumanAge(GoUnix(s.finished_at), now);
  }
  std::string word(runner::StatusName(s.status));
  word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  return word;
}

json PsRow(const runner::ContainerEntry& e, bool no_trunc, int64_t now) {
  const auto& r = e.record;
  const auto& s = e.state;
  std::string image_id = Hex(r.image_id);
  RunSettings rs = ParseRunSettings(r.config_json);
  json j;
  j["ID"] = no_trunc ? r.id : r.id.substr(0, 12);
  j["Id"] = r.id;
  j["Image"] = r.image;
  j["ImageID"] = no_trunc ? image_id : image_id.substr(0, 12);
  j["Command"] = Command(r, no_trunc);
  j["CreatedHuman"] = HumanAge(FloorSeconds(r.created), now);
  j["RunningFor"] = j["CreatedHuman"];
  j["CreatedAt"] = GoTimeString(r.created);
  j["Created"] = FloorSeconds(r.created);
  j["Status"] = PsStatus(s, now);
  j["State"] = std::string(runner::StatusName(s.status));
  j["Ports"] = "";
  j["Names"] = r.name;
  j["Networks"] = "";
  j["Pid"] = Running(s) ? s.pid : 0;
  j["ExitCode"] = s.exit_code;
  j["Exited"] = Exited(s);
  j["ExitedAt"] = GoUnix(s.finished_at);
  j["StartedAt"] = GoUnix(s.started_at);
  j["Labels"] = rs.labels;
  j["Mounts"] = json::array();
  j["Restarts"] = "0";
  j["AutoRemove"] = rs.auto_remove;
  j["Pod"] = "";
  j["PodName"] = "";
  j["IsInfra"] = false;
  return j;
}

ordered_json PsJson(const runner::ContainerEntry& e, int64_t now) {
  const auto& r = e.record;
  const auto& s = e.state;
  RunSettings rs = ParseRunSettings(r.config_json);
  ordered_json j;
  j["AutoRemove"] = rs.auto_remove;
  j["Command"] = r.command;
  j["CreatedAt"] = HumanAge(FloorSeconds(r.created), now);
  j["CIDFile"] = "";
  j["Exited"] = Exited(s);
  j["ExitedAt"] = GoUnix(s.finished_at);
  j["ExitCode"] = s.exit_code;
  j["ExposedPorts"] = nullptr;
  j["Id"] = r.id;
  j["Image"] = r.image;
  j["ImageID"] = Hex(r.image_id);
  j["IsInfra"] = false;
  j["Labels"] = rs.labels.empty() ? ordered_json(nullptr) : ordered_json(rs.labels);
  j["Mounts"] = json::array();
  j["Names"] = {r.name};
  j["Namespaces"] = json::object();
  j["Networks"] = json::array();
  j["Pid"] = Running(s) ? s.pid : 0;
  j["Pod"] = "";
  j["PodName"] = "";
  j["Ports"] = nullptr;
  j["Restarts"] = 0;
  j["Size"] = nullptr;
  j["StartedAt"] = GoUnix(s.started_at);
  j["State"] = std::string(runner::StatusName(s.status));
  j["Status"] = PsStatus(s, now);
  j["Created"] = FloorSeconds(r.created);
  return j;
}

ordered_json ContainerInspectJson(const runner::ContainerEntry& e, const store::ImageConfig* image,
                                  const std::string& dir) {
  const auto& r = e.record;
  RunSettings rs = ParseRunSettings(r.config_json);
  ordered_json j;
  j["Id"] = r.id;
  j["Created"] = GoTime(r.created);
  j["Path"] = r.command.empty() ? "" : r.command.front();
  j["Args"] = r.command.size() > 1
                  ? std::vector<std::string>(r.command.begin() + 1, r.command.end())
                  : std::vector<std::string>{};
  j["State"] = StateJson(e.state);
  j["Image"] = Hex(r.image_id);
  j["ImageDigest"] = r.image_manifest;
  j["ImageName"] = r.image;
  j["Rootfs"] = "";
  j["Pod"] = "";
  j["ResolvConfPath"] = dir + "/userdata/resolv.conf";
  j["HostnamePath"] = dir + "/userdata/hostname";
  j["HostsPath"] = dir + "/userdata/hosts";
  j["StaticDir"] = dir;
  j["Name"] = r.name;
  j["RestartCount"] = 0;
  j["Driver"] = "overlay";
  j["MountLabel"] = "";
  j["ProcessLabel"] = "";
  j["AppArmorProfile"] = "";
  j["ExecIDs"] = json::array();
  j["GraphDriver"] = {
      {"Name", "overlay"},
      {"Data",
       {{"MergedDir", dir + "/merged"}, {"UpperDir", dir + "/upper"}, {"WorkDir", dir + "/work"}}}};
  j["Mounts"] = json::array();
  j["Dependencies"] = json::array();
  j["Namespace"] = "";
  j["IsInfra"] = false;
  j["IsService"] = false;
  j["Config"] = ConfigJson(r, rs, image);
  j["HostConfig"] = HostConfigJson(rs, dir);
  return j;
}

}  // namespace berth::cli
