#include "berth/runner/container_files.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"

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

TEST(ContainerFilesTest, OnlyEmptyFilesAtTheProvidedPathsAreMountpoints) {
  auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "berth-upper-");
  ASSERT_TRUE(dir);
  const auto& up = dir->path();
  ASSERT_TRUE(MakeDirs(up / "etc"));
  ASSERT_TRUE(WriteFileAtomic(up / "etc/hosts", "", 0644));
  ASSERT_TRUE(WriteFileAtomic(up / "etc/resolv.conf", "nameserver 10.0.0.1\n", 0644));
  ASSERT_TRUE(MakeDirs(up / "etc/hostname"));  // not a file: the image's business
  ASSERT_TRUE(WriteFileAtomic(up / "etc/other", "", 0644));
  auto fd = Open(up, O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(fd);
  EXPECT_EQ(ProvidedFileMountpoints(fd->get()), std::vector<std::string>{"etc/hosts"});
}

}  // namespace
}  // namespace berth::runner
