// Endpoint resolution for a registry (see endpoints.hpp).
#include "endpoints.hpp"

#include "berth/puller/auth.hpp"
#include "berth/puller/registry_config.hpp"

namespace berth::puller {

namespace {

Result<std::optional<Credentials>> CredsFor(const std::string& host, const RegistryAccess& a) {
  if (!a.creds.empty()) {
    BERTH_ASSIGN_OR_RETURN(Credentials c, ParseCreds(a.creds));
    return std::optional<Credentials>(c);
  }
  AuthFiles files;
  if (a.use_environment) files = AuthFiles::FromEnvironment();
  files.authfile = a.authfile;
  if (files.authfile.empty() && !a.use_environment) return std::optional<Credentials>();
  return LookupCredentials(host, files);
}

Result<std::unique_ptr<RegistryClient>> MakeClient(const std::string& registry,
                                                   const std::string& api_host,
                                                   const RegistriesConfig& cfg,
                                                   const RegistryAccess& a,
                                                   std::shared_ptr<HttpTransport> transport) {
  RegistryClientOptions o;
  o.transport = std::move(transport);
  o.retry = a.retry;
  o.endpoint.registry = registry;
  o.endpoint.host = api_host;
  bool insecure = cfg.For(registry).insecure;
  if (a.tls_verify) insecure = !*a.tls_verify;
  std::vector<fs::path> roots(a.certs_roots.begin(), a.certs_roots.end());
  if (roots.empty()) roots = DefaultCertsRoots();
  BERTH_ASSIGN_OR_RETURN(o.endpoint.tls, FindHostCerts(registry, a.cert_dir, roots));
  o.endpoint.tls.verify = !insecure;
  // An insecure registry: HTTPS without verification, falling back to plain HTTP (podman).
  o.endpoint.http_fallback = insecure;
  BERTH_ASSIGN_OR_RETURN(o.creds, CredsFor(registry, a));
  return std::make_unique<RegistryClient>(std::move(o));
}

}  // namespace

Result<std::vector<std::unique_ptr<RegistryClient>>> MakeClients(const store::Reference& ref,
                                                                 const RegistryAccess& access,
                                                                 bool with_mirrors) {
  RegistriesConfigPaths paths;
  if (access.use_environment) paths = RegistriesConfigPaths::FromEnvironment();
  paths.explicit_path = access.registries_conf;
  BERTH_ASSIGN_OR_RETURN(RegistriesConfig cfg, LoadRegistriesConfig(paths));
  std::shared_ptr<HttpTransport> transport =
      access.transport ? access.transport : MakeCurlTransport();
  std::vector<std::unique_ptr<RegistryClient>> out;
  if (with_mirrors) {
    for (const auto& mirror : cfg.For(ref.registry).mirrors) {
      BERTH_ASSIGN_OR_RETURN(auto c, MakeClient(mirror, mirror, cfg, access, transport));
      out.push_back(std::move(c));
    }
  }
  const std::string& location = cfg.For(ref.registry).location;
  if (!location.empty()) {
    BERTH_ASSIGN_OR_RETURN(auto c, MakeClient(location, location, cfg, access, transport));
    out.push_back(std::move(c));
  } else {
    BERTH_ASSIGN_OR_RETURN(auto c,
                           MakeClient(ref.registry, ref.ApiHost(), cfg, access, transport));
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace berth::puller
