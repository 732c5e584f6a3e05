// ContainerFiles: the files berth gives every container: /etc/hostname, /etc/hosts and
// /etc/resolv.conf, written into its userdata directory and bound over the image's. Pure
// content functions plus one writer; thread-compatible.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/container_plan.hpp"

namespace berth::runner {

struct ContainerFiles {
  std::filesystem::path hostname;
  std::filesystem::path hosts;
  std::filesystem::path resolv_conf;
};

// The contents, pure: hosts maps localhost and the container's hostname and name to the
// loopback; resolv.conf is the host's without loopback nameservers when the container has
// its own network namespace (they would point at the container itself), as podman does.
std::string HostsFile(const std::string& hostname, const std::string& name);
std::string ResolvConf(const std::string& host_resolv_conf, NetworkMode network);

// Writes the three files into `dir` (the container's userdata directory).
Result<ContainerFiles> WriteContainerFiles(const std::filesystem::path& dir,
                                           const std::string& hostname, const std::string& name,
                                           NetworkMode network,
                                           const std::filesystem::path& host_resolv_conf);

// The mountpoints the bind mounts of these files left in the container's upper dir
// (`upper_fd`): an empty regular file at etc/hostname, etc/hosts or etc/resolv.conf exists
// there only because the image had none and berth created one to mount on (a write in the
// container goes to the bound file, and the mountpoint cannot be removed while it runs).
// Paths relative to the upper dir, for store::CommitOptions::exclude. A commit or a build
// step leaves them out, as buildah does.
std::vector<std::string> ProvidedFileMountpoints(int upper_fd);

}  // namespace berth::runner
