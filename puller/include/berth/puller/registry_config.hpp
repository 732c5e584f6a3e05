// Per-registry configuration: mirrors, insecure registries, and TLS files from certs.d.
//
// registries.json (berth's own format, documented in README):
//   {"registries": {"docker.io": {"mirrors": ["127.0.0.1:5000"], "insecure": false},
//                   "myreg:5000": {"insecure": true}}}
// Mirrors are tried in order, then the registry itself; a mirror is addressed with the same
// repository path. "location" (podman's registries.conf field of that name) says where the
// registry itself is: the last attempt goes there instead of the registry's public host, so a
// test replica of docker.io never lets a failed pull reach the real one. "insecure" allows plain HTTP and unverified TLS. The system file
// /etc/berth/registries.json is read first, then the user's ($XDG_CONFIG_HOME or ~/.config)
// /berth/registries.json, whose entries replace the system ones per registry; an explicit
// path replaces both. certs.d: /etc/containers/certs.d/HOST[:PORT]/ and
// /etc/docker/certs.d/HOST[:PORT]/ hold ca.crt (or *.crt), client.cert and client.key.
// Value types; loading reads files only.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/puller/http_transport.hpp"

namespace berth::puller {

namespace fs = std::filesystem;

struct RegistryConfig {
  std::vector<std::string> mirrors;  // "host[:port]"
  std::string location;              // "host[:port]"; empty: the registry's own API host
  bool insecure = false;
  bool operator==(const RegistryConfig&) const = default;
};

struct RegistriesConfig {
  std::map<std::string, RegistryConfig> registries;  // keyed by "host[:port]"
  // The entry for `registry`, or a default (no mirrors, secure).
  RegistryConfig For(const std::string& registry) const;
};

// kInvalidArgument naming the field for malformed JSON or wrong types.
Result<RegistriesConfig> ParseRegistriesConfig(std::string_view json);

struct RegistriesConfigPaths {
  fs::path explicit_path;  // --registries-conf: when set, the only file (must exist)
  std::vector<fs::path> defaults;  // read in order when present, later ones win per registry
  // /etc/berth/registries.json, then $XDG_CONFIG_HOME (or $HOME/.config)/berth/registries.json.
  static RegistriesConfigPaths FromEnvironment();
};

// Loads and merges the configured files. kNotFound if explicit_path does not exist;
// kInvalidArgument (naming the file) for a malformed one. Missing default files are skipped.
Result<RegistriesConfig> LoadRegistriesConfig(const RegistriesConfigPaths& paths);

// certs.d roots: /etc/containers/certs.d, /etc/docker/certs.d.
std::vector<fs::path> DefaultCertsRoots();

// TLS files for `host` ("myreg:5000"). With `cert_dir` set (--cert-dir), the files are taken
// from that directory itself; otherwise from <root>/<host>/ of the first root that has that
// directory. A missing directory means no extra files (success). kInvalidArgument when a
// client.cert has no matching key.
Result<TlsOptions> FindHostCerts(const std::string& host, const fs::path& cert_dir,
                                 const std::vector<fs::path>& roots);

}  // namespace berth::puller
