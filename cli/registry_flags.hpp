// The flags every registry verb shares (--tls-verify, --creds, --authfile, --cert-dir,
// --registries-conf), as podman and skopeo spell them, and their RegistryAccess.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "berth/puller/pull.hpp"

namespace berth::cli {

struct AccessFlags {
  std::string tls_verify;  // "", "true" or "false"
  std::string creds;
  std::string authfile;
  std::string cert_dir;
  std::string registries_conf;
};

// Adds the flags to `cmd`; --creds only when `with_creds` (login takes -u/-p instead).
void AddAccessFlags(CLI::App* cmd, AccessFlags& flags, bool with_creds = true);

// `store_root` (when not empty) gives the token cache: its puller::TokenCacheDir.
puller::RegistryAccess ToAccess(const AccessFlags& flags,
                                const std::filesystem::path& store_root = {});

// A registry reference as podman takes it: "docker://REF" or a plain reference. Other
// transports (oci:, dir:, docker-archive: ...) are refused (kUnsupported) naming `verb`:
// registries are all pull, push and inspect --remote talk to.
Result<std::string> RegistryReference(const std::string& ref, std::string_view verb);

}  // namespace berth::cli
