// Which endpoints serve a registry (mirrors, then itself) and how to reach each (private).
#pragma once

#include <memory>
#include <vector>

#include "berth/puller/pull.hpp"
#include "berth/store/reference.hpp"

namespace berth::puller {

// Clients for `ref`'s registry in the order to try them: its mirrors from registries.json
// (unless `with_mirrors` is false, as for push), then the registry's API host. Each has its
// TLS (insecure setting, --tls-verify, certs.d or --cert-dir) and credentials resolved.
Result<std::vector<std::unique_ptr<RegistryClient>>> MakeClients(const store::Reference& ref,
                                                                 const RegistryAccess& access,
                                                                 bool with_mirrors);

// A client for `registry` itself (no mirrors): its registries.json "location", else its API
// host; credentials from access (--creds, else the files).
Result<std::unique_ptr<RegistryClient>> MakeRegistryClient(const std::string& registry,
                                                           const RegistryAccess& access);

}  // namespace berth::puller
