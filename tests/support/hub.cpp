#include "support/hub.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

#include "berth/base/subprocess.hpp"

namespace berth::testing {

namespace {

// Reads NAME=VALUE lines; values as written by start.sh's printf %q (no quoting needed for
// the paths and digests the fixture writes) or plain.
bool ReadVars(const std::filesystem::path& file, std::map<std::string, std::string>& vars) {
  std::ifstream in(file);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos || line[0] == '#') continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    vars[line.substr(0, eq)] = value;
  }
  return true;
}

}  // namespace

std::string Hub::Var(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? std::string() : it->second;
}

bool HubIsRequired() {
  const char* v = std::getenv("BERTH_TEST_REQUIRE_PRIVILEGED");
  return std::getenv("BERTH_HUB_STATE") != nullptr || (v != nullptr && std::string(v) == "1");
}

const Hub* SharedHub(std::string* why) {
  static std::once_flag once;
  static std::unique_ptr<Hub> hub;
  static std::string error;
  std::call_once(once, [] {
    const char* state = std::getenv("BERTH_HUB_STATE");
    if (state == nullptr || *state == '\0') {
      error = "no hub replica (BERTH_HUB_STATE unset; run through ctest, which starts one)";
      return;
    }
    auto h = std::make_unique<Hub>();
    h->state = state;
    if (!ReadVars(h->state / "env", h->vars) || !ReadVars(h->state / "digests.env", h->vars)) {
      error = "hub replica state " + h->state.string() +
              " has no env/digests.env (did the hub_start fixture fail?)";
      return;
    }
    hub = std::move(h);
  });
  if (hub == nullptr && why != nullptr) *why = error;
  return hub.get();
}

std::unique_ptr<FaultProxy> FaultProxy::Start(const Hub& hub, const std::string& name,
                                              std::string* error) {
  std::filesystem::path env_file = hub.state / ("fault-proxy-" + name + ".env");
  std::filesystem::remove(env_file);
  std::string script = std::string(BERTH_SOURCE_DIR) + "/tests/fixtures/hub/fault_proxy.py";
  std::string ca = hub.Var("HUB_CA");
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   script,
                                   "--upstream",
                                   "https://" + hub.front(),
                                   "--cdn-upstream",
                                   "https://" + hub.Var("HUB_CDN"),
                                   "--cacert",
                                   ca,
                                   "--tls",
                                   (hub.state / "server.crt").string(),
                                   (hub.state / "server.key").string(),
                                   "--state",
                                   hub.state.string(),
                                   "--name",
                                   name};
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  SpawnOptions so;
  so.stdout_fd = devnull;
  auto child = ChildProcess::Spawn(argv, so);
  ::close(devnull);
  if (!child) {
    *error = "start fault proxy: " + child.error().ToString();
    return nullptr;
  }
  std::unique_ptr<FaultProxy> p(new FaultProxy());
  p->pid_ = child->Release();
  p->ca_ = ca;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::map<std::string, std::string> vars;
  while (!ReadVars(env_file, vars)) {
    int status = 0;
    if (::waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->pid_ = -1;
      *error = "fault proxy " + name + " exited before listening";
      return nullptr;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      *error = "fault proxy " + name + " did not listen within 20 s";
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  p->address_ = vars["FAULT_PROXY"];
  return p;
}

FaultProxy::~FaultProxy() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
}

bool FaultProxy::Control(const std::string& method, const std::string& path,
                         const std::string& body, std::string* out) {
  std::vector<std::string> argv = {
      "curl",     "-sS", "--fail", "--noproxy", "*",
      "--cacert", ca_,   "-X",     method,      "https://" + address_ + path};
  if (!body.empty()) {
    argv.push_back("--data-binary");
    argv.push_back(body);
  }
  // A loaded machine may drop a connection now and then: three tries before a failure.
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto r = RunCommand(argv);
    if (r && r->status.ok()) {
      if (out != nullptr) *out = r->out;
      return true;
    }
    why = r ? "curl " + r->status.ToString() : r.error().ToString();  // curl says why on stderr
  }
  ADD_FAILURE() << "fault proxy control " << method << " " << path << ": " << why;
  return false;
}

bool FaultProxy::SetRules(const nlohmann::json& rules) {
  return Control("PUT", "/_fault/rules", rules.dump(), nullptr);
}

nlohmann::json FaultProxy::Log() {
  std::string out;
  if (!Control("GET", "/_fault/log", "", &out)) return nlohmann::json::array();
  auto j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("log")) j = j["log"];
  return j.is_array() ? j : nlohmann::json::array();
}

std::string FaultProxy::WriteRegistriesJson(const std::filesystem::path& dir) const {
  nlohmann::json j = {
      {"registries", {{"docker.io", {{"mirrors", {address_}}, {"location", address_}}}}}};
  std::filesystem::path path = dir / "registries.json";
  std::ofstream(path) << j.dump() << "\n";
  return path.string();
}

}  // namespace berth::testing
