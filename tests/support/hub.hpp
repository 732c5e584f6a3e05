// The Docker Hub replica (tests/fixtures/hub) as seen from a C++ test, and the fault proxy
// a test puts in front of it.
//
// ctest starts one replica for all integration tests (fixture "hub", see tests/CMakeLists.txt)
// and passes its state directory in BERTH_HUB_STATE. SharedHub() reads STATE/env and
// STATE/digests.env once. Tests share the replica: they pull its images freely, push only
// to repositories named after themselves, and inject faults only through a FaultProxy of
// their own (each has its own rules and request log).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace berth::testing {

struct Hub {
  std::filesystem::path state;
  std::map<std::string, std::string> vars;  // STATE/env and STATE/digests.env

  // The value of variable `name` (HUB_FRONT, ALPINE_INDEX_DIGEST, ...), or "" if unset.
  std::string Var(const std::string& name) const;
  std::string front() const { return Var("HUB_FRONT"); }        // 127.0.0.1:PORT
  std::string cert_dir() const { return Var("HUB_CERT_DIR"); }  // holds ca.crt
  std::string registries_json() const { return Var("HUB_REGISTRIES_JSON"); }
  std::string creds() const { return Var("HUB_USER") + ":" + Var("HUB_PASS"); }
};

// The replica of BERTH_HUB_STATE, or nullptr with `why` set: unset variable (the test binary
// run outside ctest) or an unreadable state.
const Hub* SharedHub(std::string* why);

// Skips the test when there is no replica; fails it instead when BERTH_HUB_STATE is set but
// broken, or when BERTH_TEST_REQUIRE_PRIVILEGED=1 (CI must not skip silently).
#define BERTH_REQUIRE_HUB(var)                                                \
  std::string var##_why;                                                      \
  const ::berth::testing::Hub* var = ::berth::testing::SharedHub(&var##_why); \
  if (var == nullptr) {                                                       \
    if (::berth::testing::HubIsRequired()) FAIL() << var##_why;               \
    GTEST_SKIP() << var##_why;                                                \
  }
bool HubIsRequired();

// fault_proxy.py in front of the replica's front, with a second listener for the CDN (blob
// redirects are rewritten to it), speaking HTTPS with the replica's certificate. Killed and
// reaped on destruction.
class FaultProxy {
 public:
  // Starts one named `name` (unique per test) and waits until it listens; nullptr and
  // `error` on failure.
  static std::unique_ptr<FaultProxy> Start(const Hub& hub, const std::string& name,
                                           std::string* error);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  const std::string& address() const { return address_; }  // 127.0.0.1:PORT (the front)
  // Replaces the rules (a JSON list, see tests/fixtures/hub/README.md); false on failure.
  bool SetRules(const nlohmann::json& rules);
  // The requests seen so far (GET /_fault/log), oldest first.
  nlohmann::json Log();
  // Writes a registries.json in `dir` that sends docker.io (mirror and location) to this
  // proxy and returns its path.
  std::string WriteRegistriesJson(const std::filesystem::path& dir) const;

 private:
  FaultProxy() = default;
  bool Control(const std::string& method, const std::string& path, const std::string& body,
               std::string* out);
  pid_t pid_ = -1;
  std::string address_;
  std::string ca_;
};

}  // namespace berth::testing
