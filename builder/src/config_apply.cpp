#include "config_apply.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace berth::builder {

namespace {

void InsertSorted(std::vector<std::string>& v, std::string item) {
  auto it = std::lower_bound(v.begin(), v.end(), item);
  if (it == v.end() || *it != item) v.insert(it, std::move(item));
}

// "80", "80/tcp", "53/udp", "8000-8002" -> "N/proto" entries.
Result<void> Expose(const Step& step, std::string_view file, std::vector<std::string>& ports) {
  for (const std::string& w : step.words) {
    std::string port = w, proto = "tcp";
    if (size_t slash = w.find('/'); slash != std::string::npos) {
      port = w.substr(0, slash);
      proto = w.substr(slash + 1);
      std::transform(proto.begin(), proto.end(), proto.begin(), ::tolower);
    }
    int lo = 0, hi = 0;
    char dash = 0;
    int n = std::sscanf(port.c_str(), "%d%c%d", &lo, &dash, &hi);
    bool range = n == 3 && dash == '-';
    bool ok = (n == 1 || range) && port.find_first_not_of("0123456789-") == std::string::npos &&
              lo >= 1 && lo <= 65535 && (!range || (hi >= lo && hi <= 65535)) &&
              (proto == "tcp" || proto == "udp" || proto == "sctp");
    if (!ok) return InstructionError(file, step.instruction, "invalid port " + w);
    for (int p = lo; p <= (range ? hi : lo); ++p) {
      InsertSorted(ports, std::to_string(p) + "/" + proto);
    }
  }
  return Ok();
}

std::string HealthcheckJson(const Step& step) {
  const Healthcheck& h = step.instruction.healthcheck;
  nlohmann::json j;
  j["Test"] = step.argv;
  auto ns = [](const std::optional<std::chrono::nanoseconds>& d) { return d ? d->count() : 0; };
  if (h.interval) j["Interval"] = ns(h.interval);
  if (h.timeout) j["Timeout"] = ns(h.timeout);
  if (h.start_period) j["StartPeriod"] = ns(h.start_period);
  if (h.start_interval) j["StartInterval"] = ns(h.start_interval);
  if (h.retries) j["Retries"] = *h.retries;
  return j.dump();
}

}  // namespace

void SetEnv(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  std::string entry = key + "=" + value;
  for (auto& e : env) {
    if (e.compare(0, key.size() + 1, key + "=") == 0) {
      e = std::move(entry);
      return;
    }
  }
  env.push_back(std::move(entry));
}

void ApplyLabels(const std::map<std::string, std::string>& labels, store::ImageConfig& config) {
  for (const auto& [k, v] : labels) config.config.labels[k] = v;
}

Result<void> ApplyMetadataStep(const Step& step, std::string_view file, bool cmd_set_in_stage,
                               store::ImageConfig& config) {
  store::ContainerConfig& c = config.config;
  switch (step.kind) {
    case StepKind::kCmd:
      c.cmd = step.argv;
      break;
    case StepKind::kEntrypoint:
      c.entrypoint = step.argv;
      if (!cmd_set_in_stage) c.cmd.reset();
      break;
    case StepKind::kEnv:
      for (const auto& p : step.pairs) SetEnv(c.env, p.key, p.value);
      break;
    case StepKind::kLabel:
      for (const auto& p : step.pairs) c.labels[p.key] = p.value;
      break;
    case StepKind::kExpose:
      return Expose(step, file, c.exposed_ports);
    case StepKind::kVolume:
      for (const auto& w : step.words) InsertSorted(c.volumes, w);
      break;
    case StepKind::kWorkdir:
      c.working_dir = step.value;
      break;
    case StepKind::kUser:
      c.user = step.value;
      break;
    case StepKind::kStopSignal:
      c.stop_signal = step.value;
      break;
    case StepKind::kShell:
      c.shell = step.argv;
      break;
    case StepKind::kHealthcheck:
      c.healthcheck_json = HealthcheckJson(step);
      break;
    case StepKind::kOnbuild:
      c.on_build.push_back(step.value);
      break;
    case StepKind::kMaintainer:
      config.author = step.value;
      break;
    case StepKind::kArg:
    case StepKind::kRun:
    case StepKind::kCopy:
    case StepKind::kAdd:
      break;
  }
  return Ok();
}

}  // namespace berth::builder
