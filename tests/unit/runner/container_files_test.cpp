#include "berth/runner/container_files.hpp"

#include <gtest/gtest.h>

namespace berth::runner {
namespace {

TEST(ContainerFilesTest, HostsMapsLocalhostAndTheContainer) {
  EXPECT_EQ(HostsFile("abc123", "web"),
            "127.0.0.1\tlocalhost localhost.localdomain\n"
            "::1\tlocalhost localhost.localdomain ip6-localhost ip6-loopback\n"
            "127.0.1.1\tabc123 web\n");
  EXPECT_EQ(HostsFile("web", "web").substr(HostsFile("web", "web").rfind('\t') + 1), "web\n");
}

TEST(ContainerFilesTest, ResolvConfDropsLoopbackServersInOwnNetwork) {
  std::string host =
      "# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n"
      "nameserver ::1\nsearch example.org\noptions edns0\n";
  EXPECT_EQ(ResolvConf(host, NetworkMode::kNone),
            "# generated\nnameserver 10.0.0.2\nsearch example.org\noptions edns0\n");
  EXPECT_EQ(ResolvConf(host, NetworkMode::kHost), host);
}

}  // namespace
}  // namespace berth::runner
