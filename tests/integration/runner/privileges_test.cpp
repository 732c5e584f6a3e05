// The child-side privilege calls for real: capabilities, no_new_privs, seccomp and rlimits,
// each applied in a forked child (RunInChild) so the test process keeps its own privileges.
// Needs root (CAP_SETPCAP, CAP_SETUID, CAP_SETGID, CAP_SYS_ADMIN); skipped by probe otherwise,
// a failure under BERTH_TEST_REQUIRE_PRIVILEGED=1.

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "berth/base/fs.hpp"
#include "berth/runner/capabilities.hpp"
#include "berth/runner/rlimits.hpp"
#include "berth/runner/seccomp.hpp"
#include "support/run_in_child.hpp"

namespace berth::runner {
namespace {

using testing::RunInChild;
using testing::RunInChildOptions;

// "Name:\tvalue" lines of a /proc/<pid>/status text.
std::map<std::string, std::string> ParseStatus(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t value = line.find_first_not_of(" \t", colon + 1);
    out[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
  }
  return out;
}

std::map<std::string, std::string> OwnStatus() {
  auto text = ReadFile("/proc/self/status");
  EXPECT_TRUE(text) << text.error().ToString();
  return text ? ParseStatus(*text) : std::map<std::string, std::string>{};
}

uint64_t Hex(const std::string& text) { return std::strtoull(text.c_str(), nullptr, 16); }

// Root's capabilities, or the reason they are missing.
std::string ProbeRoot() {
  uint64_t eff = Hex(OwnStatus()["CapEff"]);
  for (int cap : {CAP_SETPCAP, CAP_SETUID, CAP_SETGID, CAP_SYS_ADMIN}) {
    if (!((eff >> cap) & 1)) return "needs " + CapabilityName(cap) + " (run as root)";
  }
  return "";
}

class PrivilegesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = ProbeRoot();
    if (why.empty()) return;
    if (testing::RequirePrivileged()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  static int Last() {
    auto last = LastCap();
    EXPECT_TRUE(last) << last.error().ToString();
    return last ? *last : kLastKnownCap;
  }
  static constexpr RunInChildOptions kNoMountNs{.private_mount_ns = false};
};

TEST_F(PrivilegesTest, DefaultSetForRootLeavesInheritableAndAmbientEmpty) {
  RunInChild(
      [] {
        const CapabilitySet caps = DockerDefaultCapabilities();
        // Start from what a careless parent might pass on: inheritable and ambient set.
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        ASSERT_EQ(::syscall(SYS_capget, &header, data), 0);
        data[0].inheritable = 1u << CAP_NET_ADMIN | 1u << CAP_CHOWN;
        ASSERT_EQ(::syscall(SYS_capset, &header, data), 0);
        ASSERT_EQ(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0), 0);
        ASSERT_NE(Hex(OwnStatus()["CapAmb"]), 0u);

        const char* step = "";
        ASSERT_EQ(ApplyCapabilities(caps, Last(), /*target_is_root=*/true, &step), 0) << step;
        auto status = OwnStatus();
        EXPECT_EQ(Hex(status["CapBnd"]), caps.mask());
        EXPECT_EQ(Hex(status["CapPrm"]), caps.mask());
        EXPECT_EQ(Hex(status["CapEff"]), caps.mask());
        EXPECT_EQ(Hex(status["CapInh"]), 0u);
        EXPECT_EQ(Hex(status["CapAmb"]), 0u);
      },
      kNoMountNs);
}

TEST_F(PrivilegesTest, CapDropAllClearsEverySet) {
  RunInChild(
      [] {
        auto caps = ResolveCapabilities({}, {"ALL"}, false, Last());
        ASSERT_TRUE(caps);
        const char* step = "";
        ASSERT_EQ(ApplyCapabilities(*caps, Last(), true, &step), 0) << step;
        auto status = OwnStatus();
        for (const char* set : {"CapBnd", "CapPrm", "CapEff", "CapInh", "CapAmb"}) {
          EXPECT_EQ(Hex(status[set]), 0u) << set;
        }
        // The kernel agrees: without CAP_SETUID a uid change fails.
        EXPECT_EQ(::setresuid(1000, 1000, 1000), -1);
      },
      kNoMountNs);
}

TEST_F(PrivilegesTest, NonRootUserKeepsOnlyTheBoundingSet) {
  RunInChild(
      [] {
        const CapabilitySet caps = DockerDefaultCapabilities();
        ASSERT_EQ(DropBoundingSet(caps, Last()), 0);
        ASSERT_EQ(::setgroups(0, nullptr), 0);
        ASSERT_EQ(::setresgid(1000, 1000, 1000), 0);
        ASSERT_EQ(::setresuid(1000, 1000, 1000), 0);
        const char* step = "";
        ASSERT_EQ(SetProcessCapabilities(caps, /*target_is_root=*/false, &step), 0) << step;
        auto status = OwnStatus();
        EXPECT_EQ(Hex(status["CapBnd"]), caps.mask());
        EXPECT_EQ(Hex(status["CapPrm"]), 0u);
        EXPECT_EQ(Hex(status["CapEff"]), 0u);
        EXPECT_EQ(Hex(status["CapInh"]), 0u);
      },
      kNoMountNs);
}

TEST_F(PrivilegesTest, DefaultSeccompBlocksEvenFullRoot) {
  // Full root keeps CAP_SYS_ADMIN here, so every EPERM below comes from the filter, compiled
  // for Docker's default set. The private mount namespace catches a mount that got through.
  RunInChild([] {
    auto program = CompileDefaultSeccomp(DockerDefaultCapabilities());
    ASSERT_TRUE(program) << program.error().ToString();
    ASSERT_EQ(SetNoNewPrivs(), 0);
    ASSERT_EQ(InstallSeccomp(*program), 0);

    errno = 0;
    EXPECT_EQ(::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0), -1);
    EXPECT_EQ(errno, EPERM);
    errno = 0;
    EXPECT_EQ(::syscall(SYS_add_key, "user", "berth-test", "x", 1, KEY_SPEC_PROCESS_KEYRING), -1);
    EXPECT_EQ(errno, EPERM);
    errno = 0;
    EXPECT_EQ(::unshare(CLONE_NEWUSER), -1);
    EXPECT_EQ(errno, EPERM);
    errno = 0;
    EXPECT_EQ(::mount("berth-test", "/mnt", "tmpfs", 0, nullptr), -1);
    EXPECT_EQ(errno, EPERM);
    errno = 0;
    EXPECT_EQ(::syscall(SYS_clone3, nullptr, 0), -1);
    EXPECT_EQ(errno, ENOSYS);

    EXPECT_EQ(::syscall(SYS_getpid), ::getpid());
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    EXPECT_EQ(::write(fds[1], "x", 1), 1);
    ::close(fds[0]);
    ::close(fds[1]);
    int fd = ::openat(AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    if (fd >= 0) ::close(fd);
    auto status = OwnStatus();
    EXPECT_EQ(status["NoNewPrivs"], "1");
    EXPECT_EQ(status["Seccomp"], "2");
    // fork is clone without namespace flags: still allowed.
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(7);
    ASSERT_GT(pid, 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 7);
  });
}

TEST_F(PrivilegesTest, FilterNeedsNoNewPrivsWithoutCapSysAdmin) {
  RunInChild(
      [] {
        auto program = CompileDefaultSeccomp(DockerDefaultCapabilities());
        ASSERT_TRUE(program) << program.error().ToString();
        const char* step = "";
        ASSERT_EQ(ApplyCapabilities(DockerDefaultCapabilities(), Last(), true, &step), 0) << step;
        EXPECT_EQ(InstallSeccomp(*program), EACCES);
        ASSERT_EQ(SetNoNewPrivs(), 0);
        EXPECT_EQ(InstallSeccomp(*program), 0);
        EXPECT_EQ(InstallSeccomp(SeccompProgram{}), EINVAL);
      },
      kNoMountNs);
}

TEST_F(PrivilegesTest, UlimitsAreApplied) {
  RunInChild(
      [] {
        auto nofile = ParseUlimit("nofile=100:200");
        auto core = ParseUlimit("core=0");
        ASSERT_TRUE(nofile && core);
        const std::vector<Ulimit> limits = {*nofile, *core};
        ASSERT_TRUE(CheckUlimits(limits));
        size_t failed = 99;
        ASSERT_EQ(ApplyUlimits(limits.data(), limits.size(), &failed), 0) << failed;
        rlimit got{};
        ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &got), 0);
        EXPECT_EQ(got.rlim_cur, 100u);
        EXPECT_EQ(got.rlim_max, 200u);
        ASSERT_EQ(::getrlimit(RLIMIT_CORE, &got), 0);
        EXPECT_EQ(got.rlim_max, 0u);
        // Soft above hard: setrlimit refuses, and the index says which entry.
        const Ulimit bad[] = {{RLIMIT_NOFILE, 50, 60}, {RLIMIT_STACK, 2, 1}};
        EXPECT_EQ(ApplyUlimits(bad, 2, &failed), EINVAL);
        EXPECT_EQ(failed, 1u);
      },
      kNoMountNs);
}

// The whole sequence in the documented order, for a non-root user, then execve: what the
// container's first process sees.
TEST_F(PrivilegesTest, DocumentedOrderThenExec) {
  RunInChild(
      [] {
        const CapabilitySet caps = DockerDefaultCapabilities();
        auto program = CompileDefaultSeccomp(caps);
        auto nofile = ParseUlimit("nofile=256:512");
        ASSERT_TRUE(program && nofile);
        const int last = Last();
        int out[2];
        ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
          const char* step = "";
          if (ApplyUlimits(&*nofile, 1, nullptr) != 0 || SetNoNewPrivs() != 0 ||
              DropBoundingSet(caps, last) != 0 || ::setgroups(0, nullptr) != 0 ||
              ::setresgid(1000, 1000, 1000) != 0 || ::setresuid(1000, 1000, 1000) != 0 ||
              SetProcessCapabilities(caps, false, &step) != 0 || InstallSeccomp(*program) != 0 ||
              ::dup2(out[1], 1) != 1) {
            ::_exit(100);
          }
          ::execl("/bin/cat", "cat", "/proc/self/status", "/proc/self/limits", nullptr);
          ::_exit(101);
        }
        ::close(out[1]);
        std::string text;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
        ::close(out[0]);
        int wstatus = 0;
        ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
        ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << wstatus;
        auto status = ParseStatus(text);
        EXPECT_EQ(status["Uid"].substr(0, 4), "1000");
        EXPECT_EQ(Hex(status["CapBnd"]), caps.mask());
        EXPECT_EQ(Hex(status["CapEff"]), 0u);
        EXPECT_EQ(Hex(status["CapPrm"]), 0u);
        EXPECT_EQ(Hex(status["CapInh"]), 0u);
        EXPECT_EQ(Hex(status["CapAmb"]), 0u);
        EXPECT_EQ(status["NoNewPrivs"], "1");
        EXPECT_EQ(status["Seccomp"], "2");
        EXPECT_NE(text.find("Max open files            256                  512"),
                  std::string::npos)
            << text;
      },
      kNoMountNs);
}

}  // namespace
}  // namespace berth::runner
