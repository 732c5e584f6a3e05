// Per-host TLS files from certs.d directories (containers-certs.d(5)).
#include <algorithm>
#include <system_error>

#include "berth/puller/registry_config.hpp"

namespace berth::puller {

std::vector<fs::path> DefaultCertsRoots() {
  return {"/etc/containers/certs.d", "/etc/docker/certs.d"};
}

namespace {

// ca.crt first, else the first *.crt by name; client.cert/client.key, else *.cert + *.key
// with the same stem (as containers-certs.d(5) describes).
Result<TlsOptions> FromDir(const fs::path& dir) {
  TlsOptions tls;
  std::error_code ec;
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e.path());
  if (ec) return tls;
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    if (p.filename() == "ca.crt") tls.ca_file = p.string();
  }
  for (const auto& p : entries) {
    if (tls.ca_file.empty() && p.extension() == ".crt") tls.ca_file = p.string();
    if (tls.client_cert.empty() && p.extension() == ".cert") {
      fs::path key = p;
      key.replace_extension(".key");
      if (!fs::exists(key, ec)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "load client certificate " + p.string() + ": missing key file " +
                             key.string());
      }
      tls.client_cert = p.string();
      tls.client_key = key.string();
    }
  }
  return tls;
}

}  // namespace

Result<TlsOptions> FindHostCerts(const std::string& host, const fs::path& cert_dir,
                                 const std::vector<fs::path>& roots) {
  if (!cert_dir.empty()) return FromDir(cert_dir);
  std::error_code ec;
  for (const auto& root : roots) {
    fs::path dir = root / host;
    if (fs::is_directory(dir, ec)) return FromDir(dir);
  }
  return TlsOptions{};
}

}  // namespace berth::puller
