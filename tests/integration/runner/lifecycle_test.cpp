// Signals with and without --init, restart, and many containers at once, end to end through
// the CLI.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "berth/base/fs.hpp"
#include "berth/base/subprocess.hpp"
#include "support/busybox_store_test.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

class LifecycleTest : public BusyboxStoreTest {
 protected:
  // Processes in the container that are zombies, counted from inside it.
  static std::string Zombies(const std::string& ctr) {
    return BerthOk({"exec", ctr, "sh", "-c",
                    "n=0; for f in /proc/[0-9]*/stat; do read -r s < $f; "
                    "set -- ${s#*) }; [ $1 = Z ] && n=$((n+1)); done; echo $n"});
  }
  static void WaitUntilRunning(const std::string& ctr) {
    for (int i = 0; i < 100; ++i) {
      if (Berth({"exec", ctr, "true"}).status == 0) return;
      ::usleep(50000);
    }
    ADD_FAILURE() << ctr << " never ran";
  }
};

TEST_F(LifecycleTest, InitIsPidOneForwardsSignalsAndReapsOrphans) {
  // The orphan "(sleep 0.1 &)" leaves is re-parented to PID 1: `sleep` as PID 1 never reaps
  // it, berth-init does.
  const std::string script = "(sleep 0.1 &); exec sleep 60";
  ASSERT_EQ(Berth({"run", "-d", "--name", "plain", kBusybox, "sh", "-c", script}).status, 0);
  ASSERT_EQ(Berth({"run", "-d", "--init", "--name", "init", kBusybox, "sh", "-c", script}).status,
            0);
  WaitUntilRunning("plain");
  WaitUntilRunning("init");
  ::usleep(500000);
  EXPECT_EQ(Zombies("plain"), "1\n");
  EXPECT_EQ(Zombies("init"), "0\n");
  std::string pid1 = BerthOk({"exec", "init", "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"});
  EXPECT_EQ(pid1, "berth-init --exec /bin/sh -- sh -c " + script + " ");
  // SIGTERM: ignored by `sleep` as PID 1, passed on by berth-init to `sleep` as its child.
  BerthOk({"kill", "-s", "TERM", "plain"});
  BerthOk({"kill", "-s", "TERM", "init"});
  EXPECT_EQ(BerthOk({"wait", "init"}), "143\n");
  ::usleep(300000);
  EXPECT_NE(ReadState(TrimTrailing(BerthOk({"inspect", "--format", "{{.Id}}", "plain"})))
                .find("\"running\""),
            std::string::npos);
  EXPECT_EQ(BerthOk({"stop", "-t", "1", "plain"}), "plain\n");
  EXPECT_EQ(BerthOk({"wait", "plain"}), "137\n");
  BerthOk({"rm", "plain", "init"});
  EXPECT_TRUE(ContainerDirs().empty());
}

TEST_F(LifecycleTest, ForegroundInitPassesBerthsSignalsAndExitCodes) {
  auto r = Berth({"run", "--rm", "--init", kBusybox, "sh", "-c", "exit 5"});
  EXPECT_EQ(r.status, 5) << r.err;
  auto missing = Berth({"run", "--rm", "--init", kBusybox, "no-such-command"});
  EXPECT_EQ(missing.status, 127) << missing.err;
  // SIGTERM to berth reaches the program through berth-init.
  auto child = ChildProcess::Spawn(
      {BERTH_BINARY, "--root", Root().string(), "run", "--rm", "--init", kBusybox, "sleep", "60"});
  ASSERT_TRUE(child);
  ::usleep(500000);
  ASSERT_TRUE(child->Kill(SIGTERM));
  auto status = child->Wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 143) << status->ToString();
  EXPECT_TRUE(ContainerDirs().empty());
}

TEST_F(LifecycleTest, RestartRunsTheContainerAgainAndKeepsARmContainer) {
  ASSERT_EQ(Berth({"run", "-d", "--rm", "--init", "--name", "again", kBusybox, "sh", "-c",
                   "echo start; sleep 60"})
                .status,
            0);
  WaitUntilRunning("again");
  std::string pid_before = BerthOk({"inspect", "--format", "{{.State.Pid}}", "again"});
  EXPECT_EQ(BerthOk({"restart", "-t", "2", "again"}), "again\n");
  WaitUntilRunning("again");
  EXPECT_NE(BerthOk({"inspect", "--format", "{{.State.Pid}}", "again"}), pid_before);
  EXPECT_EQ(BerthOk({"logs", "again"}), "start\nstart\n");
  // An exited container restarts too.
  ASSERT_EQ(Berth({"run", "--name", "done", kBusybox, "sh", "-c", "echo ran"}).status, 0);
  EXPECT_EQ(BerthOk({"restart", "done"}), "done\n");
  EXPECT_EQ(BerthOk({"wait", "done"}), "0\n");
  EXPECT_EQ(BerthOk({"logs", "done"}), "ran\n");
  BerthOk({"stop", "again"});  // --rm: stopped for good, it is removed
  BerthOk({"rm", "done"});
  for (int i = 0; i < 100 && !ContainerDirs().empty(); ++i) ::usleep(50000);
  EXPECT_TRUE(ContainerDirs().empty());
}

TEST_F(LifecycleTest, TenContainersStartedAtOnceAllRunAndAreAllCleanedUp) {
  constexpr int kCount = 10;
  std::vector<ChildProcess> starts;
  for (int i = 0; i < kCount; ++i) {
    auto c = ChildProcess::Spawn({BERTH_BINARY, "--root", Root().string(), "run", "-d", "--name",
                                  "many" + std::to_string(i), kBusybox, "sleep", "60"});
    ASSERT_TRUE(c);
    starts.push_back(std::move(*c));
  }
  for (auto& c : starts) {
    auto st = c.Wait();
    ASSERT_TRUE(st);
    EXPECT_TRUE(st->ok()) << st->ToString();
  }
  std::string ps = BerthOk({"ps", "--format", "{{.Names}} {{.Status}}"});
  for (int i = 0; i < kCount; ++i) {
    EXPECT_NE(ps.find("many" + std::to_string(i) + " Up"), std::string::npos) << ps;
  }
  std::vector<std::string> ids = ContainerDirs();
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCount));
  // All removed at once too.
  std::vector<ChildProcess> removals;
  for (int i = 0; i < kCount; ++i) {
    auto c = ChildProcess::Spawn(
        {BERTH_BINARY, "--root", Root().string(), "rm", "-f", "many" + std::to_string(i)}, {});
    ASSERT_TRUE(c);
    removals.push_back(std::move(*c));
  }
  for (auto& c : removals) {
    auto st = c.Wait();
    ASSERT_TRUE(st);
    EXPECT_TRUE(st->ok()) << st->ToString();
  }
  EXPECT_TRUE(ContainerDirs().empty());
  for (const auto& id : ids) {
    for (const char* ctl : {"memory", "pids", "cpu", "unified"}) {
      EXPECT_FALSE(fs::exists(fs::path("/sys/fs/cgroup") / ctl / "berth" / id)) << ctl << " " << id;
    }
    auto monitors =
        RunCommand({"pgrep", "-f", "berth-monitor " + (Root() / "containers" / id).string()});
    EXPECT_TRUE(monitors && monitors->out.empty()) << id;
  }
  auto mounts = ReadText("/proc/self/mountinfo");
  EXPECT_EQ(mounts.find(Root().string()), std::string::npos);
}

TEST_F(LifecycleTest, FailedCreateLeavesNoAnonymousVolumeAndWaitKeepsARemovedExitCode) {
  ASSERT_EQ(Berth({"run", "--name", "dup", kBusybox, "true"}).status, 0);
  std::string volumes_before = BerthOk({"volume", "ls", "-q"});
  auto taken = Berth({"run", "--name", "dup", "-v", "/data", kBusybox, "true"});
  EXPECT_EQ(taken.status, 125);
  EXPECT_NE(OneLineError(taken).find("dup"), std::string::npos);
  EXPECT_EQ(BerthOk({"volume", "ls", "-q"}), volumes_before);
  BerthOk({"rm", "dup"});
  // `wait` on a --rm container that is gone by the time it looks still gives its exit code.
  auto r =
      Berth({"run", "-d", "--rm", "--name", "brief", kBusybox, "sh", "-c", "sleep 0.3; exit 9"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(BerthOk({"wait", TrimTrailing(r.out)}), "9\n");
  for (int i = 0; i < 100 && !ContainerDirs().empty(); ++i) ::usleep(50000);
  EXPECT_TRUE(ContainerDirs().empty());
  EXPECT_EQ(BerthOk({"wait", TrimTrailing(r.out)}), "9\n");
}

}  // namespace
}  // namespace berth::testing
