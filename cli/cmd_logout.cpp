// berth logout [--authfile FILE] [--all] [REGISTRY]: forget saved credentials, as podman does,
// and the registry's tokens cached in the store.
#include <cstdio>

#include "berth/puller/login.hpp"
#include "berth/puller/token_cache.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct LogoutFlags {
  std::string registry = "docker.io";
  std::string authfile;
  bool all = false;
};

int Run(const GlobalOptions& g, const LogoutFlags& f) {
  puller::RegistryAccess access;
  access.authfile = f.authfile;
  // Not OpenStore: logout creates no store, it only clears the token cache of one.
  access.token_cache_dir = puller::TokenCacheDir(StoreRoot(g)).string();
  if (f.all) {
    auto path = puller::LogoutAll(access);
    if (!path) return Fail("logout", path.error());
    std::printf("Removed login credentials for all registries\n");
    return 0;
  }
  auto registry = puller::NormalizeRegistryName(f.registry);
  if (!registry) return Fail("logout " + f.registry, registry.error());
  auto path = puller::Logout(*registry, access);
  if (!path) return Fail("logout " + *registry, path.error());
  std::printf("Removed login credentials for %s\n", registry->c_str());
  return 0;
}

}  // namespace

void RegisterLogout(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto f = std::make_shared<LogoutFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "Remove the saved credentials of a registry");
  cmd->add_option("REGISTRY", f->registry, "Registry host[:port] (default docker.io)");
  cmd->add_option("--authfile", f->authfile, "Path of the authentication file");
  cmd->add_flag("-a,--all", f->all, "Remove the credentials of every registry");
  cmd->callback([&inv, f] { inv.action = [&inv, f] { return Run(inv.global, *f); }; });
}

}  // namespace berth::cli
