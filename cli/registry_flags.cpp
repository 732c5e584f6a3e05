#include "registry_flags.hpp"

#include "berth/puller/token_cache.hpp"

namespace berth::cli {

void AddAccessFlags(CLI::App* cmd, AccessFlags& f, bool with_creds) {
  cmd->add_option("--tls-verify", f.tls_verify, "Require HTTPS and verify certificates")
      ->check(CLI::IsMember({"true", "false"}))
      ->expected(0, 1)
      ->default_str("true");
  if (with_creds) cmd->add_option("--creds", f.creds, "Credentials USER:PASS for the registry");
  cmd->add_option("--authfile", f.authfile, "Path of the authentication file");
  cmd->add_option("--cert-dir", f.cert_dir, "Directory with ca.crt, client.cert, client.key");
  cmd->add_option("--registries-conf", f.registries_conf, "Path of registries.json");
}

puller::RegistryAccess ToAccess(const AccessFlags& f, const std::filesystem::path& store_root) {
  puller::RegistryAccess a;
  if (f.tls_verify == "false") a.tls_verify = false;
  if (f.tls_verify == "true") a.tls_verify = true;
  a.creds = f.creds;
  a.authfile = f.authfile;
  a.cert_dir = f.cert_dir;
  a.registries_conf = f.registries_conf;
  if (!store_root.empty()) a.token_cache_dir = puller::TokenCacheDir(store_root).string();
  return a;
}

Result<std::string> RegistryReference(const std::string& ref, std::string_view verb) {
  static constexpr std::string_view kDocker = "docker://";
  if (ref.starts_with(kDocker)) return ref.substr(kDocker.size());
  for (std::string_view t : {"oci:", "oci-archive:", "dir:", "docker-archive:", "docker-daemon:",
                             "containers-storage:"}) {
    if (ref.starts_with(t)) {
      return MakeError(ErrorCode::kUnsupported,
                       "transport '" + std::string(t.substr(0, t.size() - 1)) +
                           "' is not supported: " + std::string(verb) +
                           " goes to a registry (docker://); use 'berth save' or 'berth load' "
                           "for archives");
    }
  }
  return ref;
}

}  // namespace berth::cli
