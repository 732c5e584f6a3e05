// `berth run` end to end: each test runs a real container from the busybox stand-in
// (tests/fixtures/make-busybox-image.sh) and checks, from inside it, the property it is
// about. berth runs as a child process and keeps every mount in its own mount namespace, so
// a failing test leaves no mount behind; the store is a temp dir removed at the end.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "berth/base/fs.hpp"
#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_cli.hpp"
#include "support/busybox_store_test.hpp"
#include "support/run_in_child.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kImage = kBusybox;

class RunTest : public BusyboxStoreTest {};

TEST_F(RunTest, CommandIsPidOneAndSeesOnlyItsOwnProcesses) {
  // `for` is a shell builtin: the shell is the only process while it lists /proc.
  EXPECT_EQ(Sh("echo pid=$$; for p in /proc/[0-9]*; do echo ${p#/proc/}; done"), "pid=1\n1\n");
}

TEST_F(RunTest, HostnameIsShortIdOrTheFlag) {
  std::string h = TrimTrailing(Sh("hostname"));
  EXPECT_EQ(h.size(), 12u) << h;
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
  EXPECT_EQ(Sh("hostname; cat /etc/hostname; grep -c web1 /etc/hosts", {"--hostname", "web1"}),
            "web1\nweb1\n1\n");
}

TEST_F(RunTest, NetworkNoneHasOnlyLoopbackAndItIsUp) {
  EXPECT_EQ(Sh("ls /sys/class/net"), "lo\n");
  // IFF_UP | IFF_LOOPBACK | IFF_RUNNING, as sysfs prints the flags.
  EXPECT_EQ(Sh("cat /sys/class/net/lo/flags"), "0x9\n");
}

TEST_F(RunTest, NetworkHostSeesTheHostInterfaces) {
  auto host = ListDir("/sys/class/net");
  ASSERT_TRUE(host);
  std::string out = Sh("ls /sys/class/net | wc -l", {"--network", "host"});
  EXPECT_EQ(TrimTrailing(out), std::to_string(host->size()));
}

TEST_F(RunTest, ExitCodesAreTheContainersOwnOr126Or127) {
  auto r = Berth({"run", "--rm", kImage, "sh", "-c", "exit 3"});
  EXPECT_EQ(r.status, 3) << r.err;
  auto missing = Berth({"run", "--rm", kImage, "no-such-command"});
  EXPECT_EQ(missing.status, 127) << missing.err;
  EXPECT_NE(missing.err.find("no-such-command"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;
  EXPECT_EQ(Lines(missing.err).size(), 1u) << missing.err;
  auto not_exec = Berth({"run", "--rm", kImage, "/etc/passwd"});
  EXPECT_EQ(not_exec.status, 126) << not_exec.err;
  auto no_image = Berth({"run", "--rm", "no-such-image", "true"});
  EXPECT_EQ(no_image.status, 125);
  EXPECT_NE(OneLineError(no_image).find("no-such-image"), std::string::npos);
}

TEST_F(RunTest, DevHasOnlyTheDefaultNodes) {
  EXPECT_EQ(Sh("ls /dev | tr '\\n' ' '"),
            "core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ");
  EXPECT_EQ(Sh("stat -c '%t:%T %a' /dev/null /dev/zero /dev/urandom /dev/tty"),
            "1:3 666\n1:5 666\n1:9 666\n5:0 666\n");
  EXPECT_EQ(Sh("echo hi > /dev/null && head -c 4 /dev/zero | wc -c"), "4\n");
}

TEST_F(RunTest, MaskedAndReadOnlyPaths) {
  // Which masked files this kernel has varies (no /proc/kcore in some VMs): those present
  // must read as empty.
  int present = 0;
  for (const char* p : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/interrupts"}) {
    present += ::access(p, F_OK) == 0;
  }
  ASSERT_GT(present, 0);
  EXPECT_EQ(Sh("n=0; for p in /proc/kcore /proc/keys /proc/timer_list /proc/interrupts; do "
               "[ -e $p ] && n=$((n + 1)) && [ $(cat $p | wc -c) -ne 0 ] && echo $p; done; "
               "echo $n; ls /sys/firmware | wc -l"),
            std::to_string(present) + "\n0\n");
  EXPECT_EQ(Sh("grep -E ' /proc/(sys|sysrq-trigger|irq|bus) ' /proc/mounts | grep -vc ' ro,' "
               "|| true"),
            "0\n");
  // A masked file cannot be unmounted or written from inside either.
  auto r = Berth({"run", "--rm", kImage, "sh", "-c", "echo x > /proc/sysrq-trigger"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(Sh("grep -c ' /sys sysfs ro,' /proc/mounts"), "1\n");
}

TEST_F(RunTest, PrivilegedHasNoMasks) {
  EXPECT_EQ(Sh("grep -c ' /proc/kcore ' /proc/mounts || true", {"--privileged"}), "0\n");
}

TEST_F(RunTest, EnvWorkdirAndDefaults) {
  EXPECT_EQ(Sh("echo $FOO; pwd; echo $PATH", {"-e", "FOO=bar baz", "-w", "/root"}),
            "bar baz\n/root\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
  // As podman: a -w directory must exist (the image's WorkingDir is created instead).
  auto missing = Berth({"run", "--rm", "-w", "/var/spool/x", kImage, "true"});
  EXPECT_EQ(missing.status, 125);
  EXPECT_NE(OneLineError(missing).find("/var/spool/x"), std::string::npos);
  EXPECT_EQ(Sh("id -u; id -G", {"-u", "nobody"}), "65534\n65534\n");
}

TEST_F(RunTest, WritesNeverReachTheImage) {
  auto first = Berth({"run", kImage, "sh", "-c", "echo changed > /etc/os-release; rm /bin/ls"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(Sh("cat /etc/os-release | grep -c changed || true; ls /bin/ls"), "0\n/bin/ls\n");
  // The change lives in that container's upper dir, nowhere else.
  auto dirs = ContainerDirs();
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(ReadText(Root() / "containers" / dirs[0] / "upper/etc/os-release"), "changed\n");
  ASSERT_TRUE(RemoveTree(Root() / "containers" / dirs[0]));
  (void)::unlink((Root() / "holds" / dirs[0]).c_str());
}

TEST_F(RunTest, ReadOnlyRootKeepsScratchDirsWritable) {
  auto r = Berth({"run", "--rm", "--read-only", kImage, "touch", "/x"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(Sh("touch /tmp/a /run/b /var/tmp/c && echo ok", {"--read-only"}), "ok\n");
}

TEST_F(RunTest, RmLeavesNothingBehind) {
  Sh("true");
  EXPECT_TRUE(ContainerDirs().empty());
  auto holds = ListDir(Root() / "holds");
  EXPECT_TRUE(!holds || holds->empty());
  std::string mounts = ReadText("/proc/self/mountinfo");
  EXPECT_EQ(mounts.find(Root().string()), std::string::npos) << mounts;
}

TEST_F(RunTest, ImageInUseCannotBeRemoved) {
  auto r = Berth({"run", "--name", "keeper", kImage, "true"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto rmi = Berth({"rmi", kImage});
  EXPECT_EQ(rmi.status, 125);
  EXPECT_NE(OneLineError(rmi).find("in use by container"), std::string::npos) << rmi.err;
  auto dirs = ContainerDirs();
  ASSERT_EQ(dirs.size(), 1u);
  std::string state = ReadText(Root() / "containers" / dirs[0] / "state.json");
  EXPECT_NE(state.find("\"exited\""), std::string::npos) << state;
  // A second container may not take the name.
  auto again = Berth({"run", "--name", "keeper", kImage, "true"});
  EXPECT_EQ(again.status, 125);
  EXPECT_NE(OneLineError(again).find("already in use"), std::string::npos);
  ASSERT_TRUE(RemoveTree(Root() / "containers" / dirs[0]));
  (void)::unlink((Root() / "holds" / dirs[0]).c_str());
}

// Limits as the container itself sees them in its cgroup (v1 here, or v2 elsewhere).
TEST_F(RunTest, LimitsAreVisibleInTheContainersOwnCgroup) {
  std::string out =
      Sh("if [ -f /sys/fs/cgroup/cgroup.controllers ]; then cat /sys/fs/cgroup/memory.max "
         "/sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max; else cat "
         "/sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max "
         "/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us; fi",
         {"-m", "64m", "--pids-limit", "20", "--cpus", "0.5"});
  EXPECT_TRUE(out == "67108864\n20\n50000\n100000\n" || out == "67108864\n20\n50000 100000\n")
      << out;
  // The container's cgroup namespace shows its own cgroup as the root.
  EXPECT_EQ(Sh("grep -c -v ':/$' /proc/self/cgroup || true"), "0\n");
}

TEST_F(RunTest, PidsLimitStopsAForkBomb) {
  auto r = Berth({"run", "--rm", "--pids-limit", "5", kImage, "sh", "-c",
                  "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("fork"), std::string::npos) << r.err;
  EXPECT_EQ(Sh("for i in 1 2 3; do sleep 0.1 & done; wait; echo ok", {"--pids-limit", "5"}),
            "ok\n");
}

TEST_F(RunTest, OomKillIsExit137AndRecorded) {
  auto r = Berth({"run", "--name", "oom", "-m", "16m", "--memory-swap", "16m", kImage, "sh", "-c",
                  "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived"});
  EXPECT_EQ(r.status, 137) << r.out << r.err;
  auto dirs = ContainerDirs();
  ASSERT_EQ(dirs.size(), 1u);
  std::string state = ReadText(Root() / "containers" / dirs[0] / "state.json");
  EXPECT_NE(state.find("\"OOMKilled\": true"), std::string::npos) << state;
  ASSERT_TRUE(RemoveTree(Root() / "containers" / dirs[0]));
  (void)::unlink((Root() / "holds" / dirs[0]).c_str());
}

TEST_F(RunTest, NoCgroupIsLeftBehind) {
  Sh("true", {"-m", "32m", "--pids-limit", "10"});
  for (const char* c : {"memory", "pids", "cpu", "unified", ""}) {
    fs::path p = fs::path("/sys/fs/cgroup") / c / "berth";
    // The shared berth/ parent may stay (as docker's does); no container's directory may.
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(p, ec)) {
      EXPECT_FALSE(e.is_directory()) << e.path();
    }
  }
}

TEST_F(RunTest, DetachedContainerLogsStopsAndIsRemoved) {
  auto r = Berth({"run", "-d", "--name", "ticker", kImage, "sh", "-c",
                  "echo hello; echo oops >&2; while true; do sleep 1; done"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string id = TrimTrailing(r.out);
  ASSERT_EQ(id.size(), 64u) << r.out;
  EXPECT_NE(ReadState(id).find("\"running\""), std::string::npos);
  // The monitor writes the output as k8s-file records.
  std::string log;
  for (int i = 0; i < 100 && log.find("stderr F oops") == std::string::npos; ++i) {
    ::usleep(50000);
    log = ReadText(Root() / "containers" / id / "ctr.log");
  }
  EXPECT_NE(log.find(" stdout F hello\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stderr F oops\n"), std::string::npos) << log;
  // A running container is not removed without -f.
  auto busy = Berth({"rm", "ticker"});
  EXPECT_EQ(busy.status, 125);
  EXPECT_NE(OneLineError(busy).find("is running"), std::string::npos);
  // The shell is PID 1 and ignores SIGTERM: stop falls back to SIGKILL after -t.
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(), {"stop", "-t", "1", "ticker"}), "ticker\n");
  std::string state = ReadState(id);
  EXPECT_NE(state.find("\"exited\""), std::string::npos) << state;
  EXPECT_NE(state.find("\"ExitCode\": 137"), std::string::npos) << state;
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(), {"rm", "ticker"}), "ticker\n");
  EXPECT_TRUE(ContainerDirs().empty());
  auto monitors = RunCommand({"pgrep", "-f", "berth-monitor " + (Root() / "containers").string()});
  EXPECT_TRUE(monitors && monitors->out.empty()) << monitors->out;
}

TEST_F(RunTest, WaitStartAndKill) {
  auto r = Berth({"run", "-d", "--name", "seven", kImage, "sh", "-c", "sleep 0.2; exit 7"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(), {"wait", "seven"}), "7\n");
  // start runs it again, on the same container filesystem.
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(), {"start", "seven"}), "seven\n");
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(), {"wait", "seven"}), "7\n");
  ASSERT_EQ(Berth({"run", "-d", "--name", "sleeper", kImage, "sleep", "60"}).status, 0);
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(), {"kill", "-s", "TERM", "sleeper"}), "sleeper\n");
  // sleep as PID 1 has no handler for SIGTERM, so only SIGKILL ends it.
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(), {"kill", "sleeper"}), "sleeper\n");
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(), {"wait", "sleeper"}), "137\n");
  auto not_running = Berth({"kill", "sleeper"});
  EXPECT_NE(OneLineError(not_running).find("not running"), std::string::npos);
  RunCliOk(BERTH_BINARY, Root(), {"rm", "seven", "sleeper"});
  EXPECT_TRUE(ContainerDirs().empty());
}

TEST_F(RunTest, DetachedFailureGivesTheExitCodeAndRmLeavesNothing) {
  auto r = Berth({"run", "-d", "--rm", kImage, "no-such-command"});
  EXPECT_EQ(r.status, 127) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  EXPECT_TRUE(ContainerDirs().empty());
  auto quick = Berth({"run", "-d", "--rm", kImage, "true"});
  ASSERT_EQ(quick.status, 0) << quick.err;
  for (int i = 0; i < 100 && !ContainerDirs().empty(); ++i) ::usleep(50000);
  EXPECT_TRUE(ContainerDirs().empty());
}

TEST_F(RunTest, MonitorKilledIsCleanedUpByRmForce) {
  auto r = Berth({"run", "-d", "--name", "orphan", kImage, "sleep", "60"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string id = TrimTrailing(r.out);
  auto pgrep =
      RunCommand({"pgrep", "-f", "berth-monitor " + (Root() / "containers" / id).string()});
  ASSERT_TRUE(pgrep && !pgrep->out.empty());
  ::kill(std::stoi(pgrep->out), SIGKILL);
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(), {"rm", "-f", "orphan"}), "orphan\n");
  EXPECT_TRUE(ContainerDirs().empty());
  std::string cgroup_dir = "/sys/fs/cgroup/memory/berth/" + id;
  EXPECT_FALSE(fs::exists(cgroup_dir));
}

TEST_F(RunTest, VolumesBindsAndTmpfs) {
  auto host = TempDir::Create(fs::temp_directory_path(), "berth-run-vol-");
  ASSERT_TRUE(host);
  std::string h = host->path().string();
  EXPECT_EQ(Sh("echo written > /data/file; cat /data/file", {"-v", h + ":/data"}), "written\n");
  EXPECT_EQ(ReadText(host->path() / "file"), "written\n");
  auto ro = Berth({"run", "--rm", "-v", h + ":/data:ro", kImage, "touch", "/data/x"});
  EXPECT_NE(ro.status, 0);
  // A named volume keeps its content from one container to the next.
  Sh("echo kept > /v/f", {"-v", "berth-test-vol:/v"});
  EXPECT_EQ(Sh("cat /v/f", {"-v", "berth-test-vol:/v"}), "kept\n");
  RunCliOk(BERTH_BINARY, Root(), {"volume", "rm", "berth-test-vol"});
  EXPECT_EQ(Sh("grep ' /scratch ' /proc/mounts | cut -d' ' -f3", {"--tmpfs", "/scratch"}),
            "tmpfs\n");
}

// A volume a container uses (running or exited) is not removed or pruned; inspect counts the
// running containers that mount it; rm -f removes those containers first, as podman does.
TEST_F(RunTest, VolumeInUseIsKeptUntilItsContainersAreGone) {
  auto exited = Berth({"run", "--name", "vol-exited", "-v", "berth-busy-vol:/v", kImage, "sh",
                       "-c", "echo precious > /v/f"});
  ASSERT_EQ(exited.status, 0) << exited.err;
  std::string exited_id = TrimTrailing(BerthOk({"inspect", "--format", "{{.Id}}", "vol-exited"}));
  auto rm = Berth({"volume", "rm", "berth-busy-vol"});
  EXPECT_EQ(rm.status, 2) << "podman's status for a volume in use";
  EXPECT_EQ(rm.err.find('\n'), rm.err.size() - 1) << "one line: " << rm.err;
  EXPECT_NE(rm.err.find("being used by container(s) " + exited_id), std::string::npos) << rm.err;
  EXPECT_EQ(BerthOk({"volume", "prune", "-f"}), "") << "nothing unused to prune";
  EXPECT_EQ(BerthOk({"volume", "inspect", "--format", "{{.MountCount}}", "berth-busy-vol"}),
            "0\n")
      << "an exited container mounts nothing";
  EXPECT_EQ(Sh("cat /v/f", {"-v", "berth-busy-vol:/v"}), "precious\n") << "nothing lost";

  auto running = Berth({"run", "-d", "--name", "vol-running", "-v", "berth-busy-vol:/v", kImage,
                        "sleep", "300"});
  ASSERT_EQ(running.status, 0) << running.err;
  EXPECT_EQ(BerthOk({"volume", "inspect", "--format", "{{.MountCount}}", "berth-busy-vol"}),
            "1\n");
  auto ls = nlohmann::json::parse(BerthOk({"volume", "ls", "--format", "json"}));
  ASSERT_EQ(ls.size(), 1u) << ls.dump();
  EXPECT_EQ(ls[0]["MountCount"], 1) << ls.dump();

  // Removing one user is not enough; rm -f takes the volume and both its containers.
  EXPECT_EQ(BerthOk({"rm", "vol-exited"}), "vol-exited\n");
  EXPECT_EQ(Berth({"volume", "rm", "berth-busy-vol"}).status, 2) << "still used by the other";
  EXPECT_EQ(BerthOk({"volume", "rm", "-f", "berth-busy-vol"}), "berth-busy-vol\n");
  EXPECT_EQ(BerthOk({"volume", "ls", "-q"}), "");
  EXPECT_TRUE(ContainerDirs().empty()) << "the running user was stopped and removed";
  auto monitors = RunCommand({"pgrep", "-f", "berth-monitor " + (Root() / "containers").string()});
  EXPECT_TRUE(monitors && monitors->out.empty()) << monitors->out;
}

TEST_F(RunTest, ExecJoinsTheContainersNamespacesAndCgroup) {
  auto r = Berth({"run", "-d", "--name", "host1", "--hostname", "inside", "-e", "FOO=bar", kImage,
                  "sleep", "60"});
  ASSERT_EQ(r.status, 0) << r.err;
  // Same UTS and pid namespace (PID 1 is the container's sleep), same environment, and the
  // container's cgroup as the root of its cgroup namespace.
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(),
                     {"exec", "host1", "sh", "-c",
                      "hostname; echo $FOO; cat /proc/1/cmdline | tr '\\0' ' '; echo; "
                      "grep -c -v ':/$' /proc/self/cgroup || true"}),
            "inside\nbar\nsleep 60 \n0\n");
  EXPECT_EQ(RunCliOk(BERTH_BINARY, Root(),
                     {"exec", "-u", "nobody", "-e", "X=1", "host1", "sh", "-c", "id -u; echo $X"}),
            "65534\n1\n");
  EXPECT_EQ(Berth({"exec", "host1", "sh", "-c", "exit 4"}).status, 4);
  auto missing = Berth({"exec", "host1", "no-such-command"});
  EXPECT_EQ(missing.status, 127);
  RunCliOk(BERTH_BINARY, Root(), {"rm", "-f", "host1"});
  auto stopped = Berth({"exec", "host1", "true"});
  EXPECT_EQ(stopped.status, 125);
}

TEST_F(RunTest, CapabilitiesSeccompAndNoNewPrivs) {
  // Docker's 14 default capabilities, nothing inheritable or ambient, no_new_privs, a filter.
  EXPECT_EQ(Sh("grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "
               "/proc/self/status | tr -d '\\t'"),
            "CapInh:0000000000000000\nCapPrm:00000000a80425fb\nCapEff:00000000a80425fb\n"
            "CapBnd:00000000a80425fb\nCapAmb:0000000000000000\nNoNewPrivs:1\nSeccomp:2\n");
  // A non-root user keeps the bounding set but has no effective capabilities.
  EXPECT_EQ(Sh("grep -E '^Cap(Eff|Bnd):' /proc/self/status | tr -d '\\t'", {"-u", "nobody"}),
            "CapEff:0000000000000000\nCapBnd:00000000a80425fb\n");
  EXPECT_EQ(Sh("grep '^CapEff:' /proc/self/status | tr -d '\\t'",
               {"--cap-drop", "ALL", "--cap-add", "NET_RAW"}),
            "CapEff:0000000000002000\n");
  // The default profile refuses new user namespaces and mount even to root in the container.
  auto denied = Berth({"run", "--rm", kImage, "sh", "-c",
                       "unshare -U true 2>&1; mount -t tmpfs x /mnt 2>&1; true"});
  EXPECT_NE(denied.out.find("Operation not permitted"), std::string::npos) << denied.out;
  EXPECT_EQ(Sh("grep '^Seccomp:' /proc/self/status | tr -d '\\t'",
               {"--security-opt", "seccomp=unconfined"}),
            "Seccomp:0\n");
  EXPECT_EQ(Sh("ulimit -n; ulimit -Hn", {"--ulimit", "nofile=100:200"}), "100\n200\n");
  auto too_high = Berth({"run", "--rm", "--ulimit", "nofile=10:99999999", kImage, "true"});
  EXPECT_EQ(too_high.status, 125);
}

}  // namespace
}  // namespace berth::testing
