#include "berth/runner/container_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

std::string HostsFile(const std::string& hostname, const std::string& name) {
  std::string names = hostname;
  if (!name.empty() && name != hostname) names += " " + name;
  return "127.0.0.1\tlocalhost localhost.localdomain\n"
         "::1\tlocalhost localhost.localdomain ip6-localhost ip6-loopback\n"
         "127.0.1.1\t" +
         names + "\n";
}

std::string ResolvConf(const std::string& host_resolv_conf, NetworkMode network) {
  if (network == NetworkMode::kHost) return host_resolv_conf;
  std::string out;
  for (const auto& line : Split(host_resolv_conf, '\n')) {
    auto t = Trim(line);
    if (t.rfind("nameserver", 0) == 0) {
      auto addr = Trim(t.substr(10));
      if (addr.rfind("127.", 0) == 0 || addr == "::1") continue;
    }
    if (t.empty()) continue;
    out += std::string(t) + "\n";
  }
  return out;
}

Result<ContainerFiles> WriteContainerFiles(const std::filesystem::path& dir,
                                           const std::string& hostname, const std::string& name,
                                           NetworkMode network,
                                           const std::filesystem::path& host_resolv_conf) {
  ContainerFiles f{dir / "hostname", dir / "hosts", dir / "resolv.conf"};
  std::string host_resolv;
  if (auto r = ReadFile(host_resolv_conf, 1 << 20)) host_resolv = std::move(*r);
  BERTH_TRY(WriteFileReplace(f.hostname, hostname + "\n", 0644));
  BERTH_TRY(WriteFileReplace(f.hosts, HostsFile(hostname, name), 0644));
  BERTH_TRY(WriteFileReplace(f.resolv_conf, ResolvConf(host_resolv, network), 0644));
  return f;
}

std::vector<std::string> ProvidedFileMountpoints(int upper_fd) {
  std::vector<std::string> out;
  for (const char* rel : {"etc/hostname", "etc/hosts", "etc/resolv.conf"}) {
    struct stat st;
    if (::fstatat(upper_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
        st.st_size == 0) {
      out.emplace_back(rel);
    }
  }
  return out;
}

}  // namespace berth::runner
