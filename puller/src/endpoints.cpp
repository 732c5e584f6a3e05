// Endpoint resolution for a registry (see endpoints.hpp).
#include "endpoints.hpp"

#include "berth/puller/auth.hpp"
#include "berth/puller/login.hpp"
#include "berth/puller/registry_config.hpp"

namespace berth::puller {

namespace {

// Credentials from --creds, else from the credential files under `name`.
Result<std::optional<Credentials>> CredsFor(const std::string& name, const RegistryAccess& a) {
  if (!a.creds.empty()) {
    BERTH_ASSIGN_OR_RETURN(Credentials c, ParseCreds(a.creds));
    return std::optional<Credentials>(c);
  }
  return LookupCredentials(name, AuthFilesFor(a));
}

// `also_creds_of`: a second name to find credentials under (the registry a location serves).
Result<std::unique_ptr<RegistryClient>> MakeClient(const std::string& registry,
                                                   const std::string& api_host,
                                                   const RegistriesConfig& cfg,
                                                   const RegistryAccess& a,
                                                   std::shared_ptr<HttpTransport> transport,
                                                   const std::string& also_creds_of = "") {
  RegistryClientOptions o;
  o.transport = std::move(transport);
  o.retry = a.retry;
  o.token_cache_dir = a.token_cache_dir;
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
  if (!o.creds && !also_creds_of.empty()) {
    BERTH_ASSIGN_OR_RETURN(o.creds, CredsFor(also_creds_of, a));
  }
  return std::make_unique<RegistryClient>(std::move(o));
}

// The registry itself: where its "location" says, else its own API host.
Result<std::unique_ptr<RegistryClient>> MakeOrigin(const std::string& registry,
                                                   const RegistriesConfig& cfg,
                                                   const RegistryAccess& access,
                                                   std::shared_ptr<HttpTransport> transport) {
  const std::string& location = cfg.For(registry).location;
  if (!location.empty()) {
    // Credentials kept for the location's host win (as containers/image looks them up for
    // the rewritten reference); those of the registry it stands for are the fallback, so a
    // `berth login docker.io` serves pushes that registries.json sends elsewhere.
    return MakeClient(location, location, cfg, access, std::move(transport), registry);
  }
  store::Reference ref;
  ref.registry = registry;
  return MakeClient(registry, ref.ApiHost(), cfg, access, std::move(transport));
}

Result<RegistriesConfig> LoadConfig(const RegistryAccess& access) {
  RegistriesConfigPaths paths;
  if (access.use_environment) paths = RegistriesConfigPaths::FromEnvironment();
  paths.explicit_path = access.registries_conf;
  return LoadRegistriesConfig(paths);
}

std::shared_ptr<HttpTransport> TransportFor(const RegistryAccess& access) {
  return access.transport ? access.transport : MakeCurlTransport();
}

}  // namespace

Result<std::vector<std::unique_ptr<RegistryClient>>> MakeClients(const store::Reference& ref,
                                                                 const RegistryAccess& access,
                                                                 bool with_mirrors) {
  BERTH_ASSIGN_OR_RETURN(RegistriesConfig cfg, LoadConfig(access));
  std::shared_ptr<HttpTransport> transport = TransportFor(access);
  std::vector<std::unique_ptr<RegistryClient>> out;
  if (with_mirrors) {
    for (const auto& mirror : cfg.For(ref.registry).mirrors) {
      BERTH_ASSIGN_OR_RETURN(auto c, MakeClient(mirror, mirror, cfg, access, transport));
      out.push_back(std::move(c));
    }
  }
  BERTH_ASSIGN_OR_RETURN(auto origin, MakeOrigin(ref.registry, cfg, access, transport));
  out.push_back(std::move(origin));
  return out;
}

Result<std::unique_ptr<RegistryClient>> MakeRegistryClient(const std::string& registry,
                                                           const RegistryAccess& access) {
  BERTH_ASSIGN_OR_RETURN(RegistriesConfig cfg, LoadConfig(access));
  return MakeOrigin(registry, cfg, access, TransportFor(access));
}

}  // namespace berth::puller
