// The child's rootfs steps against a fake Kernel and a temp dir as the container root: what
// would be mounted where, and that an image's symlinks never lead a mount outside the root.
#include "berth/runner/container_setup.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::runner {
namespace {

namespace fs = std::filesystem;

struct Call {
  std::string op, source, target, fstype, data;
  unsigned long flags = 0;
  dev_t dev = 0;
};

// Resolves "/proc/self/fd/N" to the path it stands for, as the kernel would.
std::string Resolve(const char* p) {
  if (p == nullptr) return "";
  std::string s = p;
  if (s.rfind("/proc/self/fd/", 0) != 0) return s;
  char buf[4096];
  ssize_t n = ::readlink(p, buf, sizeof buf - 1);
  return n < 0 ? s : std::string(buf, static_cast<size_t>(n));
}

class FakeKernel : public Kernel {
 public:
  std::vector<Call> calls;
  int fail_mount_errno = 0;
  int Mount(const char* source, const char* target, const char* fstype, unsigned long flags,
            const char* data) override {
    calls.push_back({"mount", Resolve(source), Resolve(target), fstype ? fstype : "",
                     data ? data : "", flags, 0});
    return fail_mount_errno;
  }
  int Umount2(const char* target, int) override {
    calls.push_back({"umount2", "", Resolve(target), "", "", 0, 0});
    return 0;
  }
  int PivotRoot(const char* new_root, const char*) override {
    calls.push_back({"pivot_root", "", Resolve(new_root), "", "", 0, 0});
    return 0;
  }
  int Mknod(int dirfd, const char* name, mode_t mode, dev_t dev) override {
    calls.push_back({"mknod", "",
                     Resolve(("/proc/self/fd/" + std::to_string(dirfd)).c_str()) + "/" + name, "",
                     "", mode, dev});
    // Stand in for the node with a file so the step can set its mode.
    int fd = ::openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    ::close(fd);
    return 0;
  }
  int Sethostname(const char*, size_t) override { return 0; }
  int Unshare(int) override { return 0; }
};

class ContainerSetupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create(fs::temp_directory_path(), "berth-setup-");
    ASSERT_TRUE(d);
    dir_ = std::move(*d);
    root_ = dir_.path() / "rootfs";
    fs::create_directories(root_);
    root_fd_ = UniqueFd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_fd_);
    fs::create_directories(dir_.path() / "userdata");
    for (const char* f : {"hostname", "hosts", "resolv.conf"}) {
      ASSERT_TRUE(WriteFileAtomic(dir_.path() / "userdata" / f, "x\n"));
    }
  }
  ContainerPlan Plan() {
    PlanInput in;
    in.rootfs = root_.string();
    in.hostname = "h";
    in.etc_hosts = (dir_.path() / "userdata/hosts").string();
    in.process.argv = {"sh"};
    return BuildPlan(in);
  }
  int Apply(const std::vector<RootfsStep>& steps) {
    return ApplyRootfsSteps(kernel_, root_fd_.get(), steps, what_, sizeof what_);
  }
  const Call* MountAt(const fs::path& target) {
    for (const auto& c : kernel_.calls) {
      if (c.op == "mount" && c.target == target.string()) return &c;
    }
    return nullptr;
  }

  TempDir dir_;
  fs::path root_;
  UniqueFd root_fd_;
  FakeKernel kernel_;
  char what_[400] = {};
};

TEST_F(ContainerSetupTest, MountsLandInsideTheRootAndMountpointsAreCreated) {
  ASSERT_EQ(Apply(Plan().rootfs_steps), 0) << what_;
  const Call* proc = MountAt(root_ / "proc");
  ASSERT_NE(proc, nullptr);
  EXPECT_EQ(proc->fstype, "proc");
  ASSERT_NE(MountAt(root_ / "dev"), nullptr);
  EXPECT_EQ(MountAt(root_ / "dev")->data, "mode=755,size=65536k");
  ASSERT_NE(MountAt(root_ / "dev/pts"), nullptr);
  ASSERT_NE(MountAt(root_ / "sys"), nullptr);
  const Call* hosts = MountAt(root_ / "etc/hosts");
  ASSERT_NE(hosts, nullptr);
  EXPECT_EQ(hosts->source, (dir_.path() / "userdata/hosts").string());
  EXPECT_EQ(hosts->flags, static_cast<unsigned long>(MS_BIND));
  EXPECT_TRUE(fs::is_regular_file(root_ / "etc/hosts"));
  EXPECT_TRUE(fs::is_directory(root_ / "dev/shm"));
  EXPECT_EQ(fs::read_symlink(root_ / "dev/ptmx"), "pts/ptmx");
  // Every mount target is inside the root.
  for (const auto& c : kernel_.calls) {
    EXPECT_EQ(c.target.rfind(root_.string(), 0), 0u) << c.op << " " << c.target;
  }
}

TEST_F(ContainerSetupTest, DeviceNodesGetTheirNumbersAndMode0666) {
  ASSERT_EQ(Apply(Plan().rootfs_steps), 0) << what_;
  int nodes = 0;
  for (const auto& c : kernel_.calls) {
    if (c.op != "mknod") continue;
    ++nodes;
    if (c.target == (root_ / "dev/null").string()) {
      EXPECT_EQ(c.dev, makedev(1, 3));
    }
    if (c.target == (root_ / "dev/tty").string()) {
      EXPECT_EQ(c.dev, makedev(5, 0));
    }
  }
  EXPECT_EQ(nodes, 6);
  struct stat st;
  ASSERT_EQ(::stat((root_ / "dev/null").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0666u);
}

TEST_F(ContainerSetupTest, ProcThatIsASymlinkIsRefused) {
  // CVE-2019-16884: an image that makes /proc a symlink must not get procfs elsewhere.
  fs::create_symlink("/etc", root_ / "proc");
  EXPECT_EQ(Apply(Plan().rootfs_steps), ELOOP);
  EXPECT_STREQ(what_, "mount '/proc'");
  EXPECT_TRUE(kernel_.calls.empty());
}

TEST_F(ContainerSetupTest, SymlinkedEtcResolvesInsideTheRoot) {
  // The image's /etc points at an absolute path that also exists on the host: the bind
  // target must be created under the root, never on the host.
  fs::path outside = dir_.path() / "host-etc";
  fs::create_directories(outside);
  fs::create_symlink(outside, root_ / "etc");
  fs::create_directories(root_ / outside.relative_path());
  ASSERT_EQ(Apply(Plan().rootfs_steps), 0) << what_;
  EXPECT_FALSE(fs::exists(outside / "hosts"));
  EXPECT_TRUE(fs::is_regular_file(root_ / outside.relative_path() / "hosts"));
  EXPECT_NE(MountAt(root_ / outside.relative_path() / "hosts"), nullptr);
}

TEST_F(ContainerSetupTest, DotDotCannotClimbOut) {
  RootfsStep s;
  s.kind = RootfsStep::Kind::kMount;
  s.target = "/../../escaped";
  s.source = "tmpfs";
  s.fstype = "tmpfs";
  ASSERT_EQ(Apply({s}), 0) << what_;
  EXPECT_FALSE(fs::exists(dir_.path().parent_path() / "escaped"));
  EXPECT_NE(MountAt(root_ / "escaped"), nullptr);
}

TEST_F(ContainerSetupTest, AFailingMountNamesItsTarget) {
  kernel_.fail_mount_errno = EPERM;
  EXPECT_EQ(Apply(Plan().rootfs_steps), EPERM);
  EXPECT_STREQ(what_, "mount '/proc'");
}

TEST_F(ContainerSetupTest, BindWithFlagsRemountsAndSetsPropagation) {
  RootfsStep s;
  s.kind = RootfsStep::Kind::kBind;
  s.source = dir_.path().string();
  s.target = "/data";
  s.flags = MS_RDONLY;
  s.recursive = true;
  s.propagation = "rslave";
  ASSERT_EQ(Apply({s}), 0) << what_;
  ASSERT_EQ(kernel_.calls.size(), 3u);
  EXPECT_EQ(kernel_.calls[0].flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_EQ(kernel_.calls[1].flags, static_cast<unsigned long>(MS_BIND | MS_REMOUNT | MS_RDONLY));
  EXPECT_EQ(kernel_.calls[2].flags, static_cast<unsigned long>(MS_SLAVE | MS_REC));
  s.propagation = "sideways";
  EXPECT_EQ(Apply({s}), EINVAL);
}

}  // namespace
}  // namespace berth::runner
