// `berth ps`, `berth logs` and `berth inspect` of containers, as a user sees them.
//
// The ps test runs a real container from the busybox stand-in (needs root and
// busybox-static, as tests/integration/runner/run_test.cpp). The others make container
// records directly with ContainerStore and write state.json and ctr.log by hand (what a
// monitor would write), so they need neither root nor a running container: a "running"
// container is one whose recorded pid is a live process of this test.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/runner/container_log.hpp"
#include "berth/runner/container_observe.hpp"
#include "berth/runner/container_store.hpp"
#include "support/berth_cli.hpp"
#include "support/busybox_image.hpp"
#include "support/run_in_child.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;
using runner::ContainerRecord;
using runner::ContainerState;
using runner::ContainerStatus;

constexpr const char* kImage = "localhost/berth-test/busybox:latest";
constexpr int64_t kSecond = 1000000000;

class PsLogsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = TempDir::Create(fs::temp_directory_path(), "berth-ps-test-");
    ASSERT_TRUE(dir) << dir.error().ToString();
    work_ = new TempDir(std::move(*dir));
    no_image_reason_ = BusyboxContainersUnavailable();
    if (!no_image_reason_.empty()) return;
    ASSERT_EQ(LoadBusyboxImage(BERTH_BINARY, Root(), work_->path(), kImage), "");
  }
  static void TearDownTestSuite() {
    delete work_;
    work_ = nullptr;
  }
  void TearDown() override {
    // Every container a test made goes, with the hold a run put on its image.
    runner::ContainerStore containers(Root());
    auto all = containers.List();
    if (!all) return;
    for (const auto& c : *all) {
      EXPECT_TRUE(RemoveTree(Root() / "containers" / c.id));
      (void)::unlink((Root() / "holds" / c.id).c_str());
    }
  }
  void RequireImage() {
    if (no_image_reason_.empty()) return;
    if (RequirePrivileged()) FAIL() << no_image_reason_;
    GTEST_SKIP() << no_image_reason_;
  }

  static fs::path Root() { return work_->path() / "store"; }
  static CliResult Berth(const std::vector<std::string>& args) {
    return RunCli(BERTH_BINARY, Root(), args);
  }
  static std::string BerthOk(const std::vector<std::string>& args) {
    return RunCliOk(BERTH_BINARY, Root(), args);
  }
  // A container record as `berth run` leaves it, with the given state.
  static ContainerRecord MakeContainer(const std::string& name, const ContainerState& state) {
    runner::ContainerStore containers(Root());
    ContainerRecord r;
    r.name = name;
    r.image = kImage;
    r.image_id = "sha256:" + std::string(64, 'a');
    r.created = runner::UnixNanosNow() - 90 * kSecond;
    r.command = {"sh", "-c", "echo hello; sleep 1000"};
    auto made = containers.Create(r);
    EXPECT_TRUE(made) << made.error().ToString();
    EXPECT_TRUE(containers.SaveState(made->id, state));
    return *made;
  }
  static ContainerState Exited(int code) {
    ContainerState s;
    s.status = ContainerStatus::kExited;
    s.exit_code = code;
    s.started_at = runner::UnixNanosNow() - 80 * kSecond;
    s.finished_at = runner::UnixNanosNow() - 70 * kSecond;
    return s;
  }
  static ContainerState RunningAs(pid_t pid, uint64_t start_time) {
    ContainerState s;
    s.status = ContainerStatus::kRunning;
    s.pid = pid;
    s.pid_start_time = start_time;
    s.started_at = runner::UnixNanosNow() - 5 * kSecond;
    return s;
  }
  static void WriteLog(const ContainerRecord& c, const std::string& text) {
    std::ofstream(Root() / "containers" / c.id / "ctr.log", std::ios::app) << text;
  }

  static inline TempDir* work_ = nullptr;
  static inline std::string no_image_reason_;
};

// A child that waits to be killed: a live process to record as a container's.
class Sleeper {
 public:
  Sleeper() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  ~Sleeper() { Stop(); }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

TEST_F(PsLogsTest, ExitedContainerInPsJsonAndInspect) {
  RequireImage();
  if (HasFatalFailure() || IsSkipped()) return;
  auto r = Berth({"run", "--name", "ps-exit3", kImage, "sh", "-c", "exit 3"});
  ASSERT_EQ(r.status, 3) << r.err;

  // Not running: only with -a.
  std::string running = BerthOk({"ps"});
  EXPECT_EQ(Lines(running).size(), 1u) << running;
  EXPECT_EQ(running.rfind("CONTAINER ID  IMAGE", 0), 0u) << running;
  EXPECT_EQ(running.find("ps-exit3"), std::string::npos) << running;

  std::string all = BerthOk({"ps", "-a"});
  auto lines = Lines(all);
  ASSERT_EQ(lines.size(), 2u) << all;
  for (const char* header :
       {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}) {
    EXPECT_NE(lines[0].find(header), std::string::npos) << header;
  }
  EXPECT_NE(lines[1].find(kImage), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("sh -c exit 3"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("Exited (3) "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(" ago"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[1].substr(lines[1].size() - 8), "ps-exit3") << lines[1];
  // The columns line up under their headers.
  EXPECT_EQ(lines[1].find("sh -c"), lines[0].find("COMMAND")) << all;

  std::string id = TrimTrailing(BerthOk({"ps", "-a", "-q"}));
  ASSERT_EQ(id.size(), 12u) << id;
  EXPECT_EQ(lines[1].rfind(id, 0), 0u);
  EXPECT_EQ(BerthOk({"ps", "-a", "--format", "{{.Names}} {{.State}} {{.ExitCode}}"}),
            "ps-exit3 exited 3\n");
  EXPECT_EQ(BerthOk({"ps", "--filter", "status=exited", "--format", "{{.Names}}"}), "ps-exit3\n");
  EXPECT_EQ(BerthOk({"ps", "-a", "--filter", "name=^nomatch$", "-q"}), "");

  auto json = nlohmann::json::parse(BerthOk({"ps", "-a", "--format", "json"}), nullptr, false);
  ASSERT_TRUE(json.is_array() && json.size() == 1) << json;
  const auto& c = json[0];
  EXPECT_EQ(c["Id"].get<std::string>().substr(0, 12), id);
  EXPECT_EQ(c["Names"], nlohmann::json::array({"ps-exit3"}));
  EXPECT_EQ(c["Command"], nlohmann::json::array({"sh", "-c", "exit 3"}));
  EXPECT_EQ(c["Image"], kImage);
  EXPECT_EQ(c["State"], "exited");
  EXPECT_EQ(c["ExitCode"], 3);
  EXPECT_EQ(c["Exited"], true);
  EXPECT_EQ(c["Pid"], 0);
  EXPECT_TRUE(c["Created"].is_number_integer());
  EXPECT_GE(c["ExitedAt"].get<int64_t>(), c["StartedAt"].get<int64_t>());
  EXPECT_EQ(c["Status"].get<std::string>().rfind("Exited (3) ", 0), 0u) << c["Status"];

  auto inspected = nlohmann::json::parse(BerthOk({"inspect", "ps-exit3"}), nullptr, false);
  ASSERT_TRUE(inspected.is_array() && inspected.size() == 1) << inspected;
  const auto& ci = inspected[0];
  EXPECT_EQ(ci["Name"], "ps-exit3");
  EXPECT_EQ(ci["Path"], "sh");
  EXPECT_EQ(ci["Args"], nlohmann::json::array({"-c", "exit 3"}));
  EXPECT_EQ(ci["State"]["Status"], "exited");
  EXPECT_EQ(ci["State"]["ExitCode"], 3);
  EXPECT_EQ(ci["State"]["Running"], false);
  EXPECT_EQ(ci["ImageName"], kImage);
  EXPECT_EQ(ci["Config"]["Cmd"], nlohmann::json::array({"sh", "-c", "exit 3"}));
  EXPECT_EQ(ci["Config"]["Hostname"].get<std::string>(), ci["Id"].get<std::string>().substr(0, 12));
  // The image named in the record is the image inspect shows for that name.
  std::string image_id = TrimTrailing(BerthOk({"inspect", "--format", "{{.Id}}", kImage}));
  EXPECT_EQ(ci["Image"], image_id);
  EXPECT_EQ(BerthOk({"container", "inspect", "--format", "{{.State.ExitCode}}", id}), "3\n");
  EXPECT_EQ(BerthOk({"inspect", "--type", "image", "--format", "{{.Id}}", kImage}),
            image_id + "\n");
  auto as_image = Berth({"image", "inspect", "ps-exit3"});
  EXPECT_EQ(as_image.status, 125);
  auto as_container = Berth({"container", "inspect", kImage});
  EXPECT_NE(OneLineError(as_container).find("no container"), std::string::npos);
  EXPECT_EQ(BerthOk({"container", "ls", "-a", "-q"}), id + "\n");
}

TEST_F(PsLogsTest, RunningWhileItsProcessLivesExitedOnceItIsGone) {
  Sleeper live;
  auto start = runner::ProcessStartTime("/proc", live.pid());
  ASSERT_TRUE(start) << start.error().ToString();
  ContainerRecord up = MakeContainer("up", RunningAs(live.pid(), *start));

  // A "running" record whose process (and monitor) is gone: a monitor killed by SIGKILL.
  Sleeper dead;
  pid_t dead_pid = dead.pid();
  dead.Stop();
  // Start times that no process has: even if the pid is reused meanwhile, it is not ours.
  ContainerState ghost_state = RunningAs(dead_pid, 1);
  ghost_state.monitor_pid = dead_pid;
  ghost_state.monitor_start_time = 1;
  ContainerRecord ghost = MakeContainer("ghost", ghost_state);

  std::string ps = BerthOk({"ps", "--format", "{{.Names}}|{{.Pid}}|{{.Status}}"});
  EXPECT_EQ(ps.rfind("up|" + std::to_string(live.pid()) + "|Up ", 0), 0u) << ps;
  EXPECT_EQ(ps.substr(ps.size() - 9), " seconds\n") << ps;
  EXPECT_EQ(Lines(ps).size(), 1u) << ps;
  EXPECT_EQ(BerthOk({"ps", "-a", "--filter", "name=ghost", "--format", "{{.Status}}"})
                .rfind("Exited (-1) ", 0),
            0u);
  // The correction was recorded for the next reader.
  auto saved = runner::ContainerStore(Root()).LoadState(ghost.id);
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->status, ContainerStatus::kExited);
  EXPECT_EQ(saved->exit_code, runner::kUnknownExitCode);
  EXPECT_EQ(BerthOk({"inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "ghost"}),
            "exited -1\n");
  EXPECT_EQ(BerthOk({"inspect", "--format", "{{.State.Running}} {{.State.Pid}}", "up"}),
            "true " + std::to_string(live.pid()) + "\n");

  // -l is the newest container, -n the newest N, whatever their state.
  EXPECT_EQ(BerthOk({"ps", "-l", "--format", "{{.Names}}"}), "ghost\n");
  EXPECT_EQ(BerthOk({"ps", "-n", "2", "--format", "{{.Names}}"}), "up\nghost\n");
  auto bad = Berth({"ps", "--filter", "colour=red"});
  EXPECT_NE(OneLineError(bad).find("invalid filter"), std::string::npos);
  (void)up;
}

TEST_F(PsLogsTest, InspectShowsTheRunOptionsTheRecordKeeps) {
  ContainerRecord c = MakeContainer("limited", Exited(137));
  // config_json is written by the run code; inspect reads podman's names or snake_case ones,
  // at the top level or in sections, and ignores what it does not know.
  c.config_json = R"({"HostConfig": {"Memory": 67108864, "PidsLimit": 20},
                      "process": {"env": ["A=1"], "workdir": "/srv", "entrypoint": ["sh"]},
                      "cpus": 1.5, "cpuset_cpus": "0", "labels": {"team": "blue"},
                      "remove": true, "unknown": {"x": 1}})";
  c.command = {"sh", "-c", "exit 137"};
  ASSERT_TRUE(runner::ContainerStore(Root()).SaveRecord(c));
  auto j = nlohmann::json::parse(BerthOk({"container", "inspect", "limited"}), nullptr, false);
  ASSERT_TRUE(j.is_array() && j.size() == 1) << j;
  const auto& hc = j[0]["HostConfig"];
  EXPECT_EQ(hc["Memory"], 67108864);
  EXPECT_EQ(hc["MemorySwap"], 2 * 67108864);
  EXPECT_EQ(hc["PidsLimit"], 20);
  EXPECT_EQ(hc["NanoCpus"], 1500000000);
  EXPECT_EQ(hc["CpusetCpus"], "0");
  EXPECT_EQ(hc["AutoRemove"], true);
  const auto& cfg = j[0]["Config"];
  EXPECT_EQ(cfg["Env"], nlohmann::json::array({"A=1"}));
  EXPECT_EQ(cfg["WorkingDir"], "/srv");
  EXPECT_EQ(cfg["Entrypoint"], nlohmann::json::array({"sh"}));
  EXPECT_EQ(cfg["Cmd"], nlohmann::json::array({"-c", "exit 137"}));
  EXPECT_EQ(cfg["Labels"]["team"], "blue");
  EXPECT_EQ(j[0]["State"]["ExitCode"], 137);
  // A config_json that is not JSON at all changes nothing but the defaults.
  c.config_json = "not json";
  ASSERT_TRUE(runner::ContainerStore(Root()).SaveRecord(c));
  EXPECT_EQ(
      BerthOk({"inspect", "--format", "{{.HostConfig.Memory}} {{.Config.WorkingDir}}", "limited"}),
      "0 /\n");
}

class LogsTest : public PsLogsTest {
 protected:
  void SetUp() override {
    c_ = MakeContainer("talker", Exited(0));
    std::string ts = "2026-11-22T17:45:0";
    WriteLog(c_, ts + "1.000000001+00:00 stdout F out one\n" +      //
                     ts + "2.000000000+00:00 stderr F err one\n" +  //
                     ts + "3.000000000+00:00 stdout P out \n" +     //
                     ts + "4.000000000+00:00 stdout F two\n" +      //
                     ts + "5.500000000+00:00 stdout F out three\n");
  }
  ContainerRecord c_;
};

TEST_F(LogsTest, StreamsGoWhereTheyCameFrom) {
  auto r = Berth({"logs", "talker"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "out one\nout two\nout three\n");
  EXPECT_EQ(r.err, "err one\n");
  EXPECT_EQ(Berth({"container", "logs", c_.id.substr(0, 5)}).out, r.out);
}

TEST_F(LogsTest, TailSinceUntilAndTimestamps) {
  auto tail = Berth({"logs", "--tail", "2", "talker"});
  EXPECT_EQ(tail.out, "out two\nout three\n");
  EXPECT_EQ(tail.err, "");
  EXPECT_EQ(Berth({"logs", "--tail", "0", "talker"}).out, "");
  auto since = Berth({"logs", "--since", "2026-11-22T17:45:03Z", "talker"});
  EXPECT_EQ(since.out, "two\nout three\n");
  EXPECT_EQ(since.err, "");
  EXPECT_EQ(Berth({"logs", "--until", "2026-11-22T17:45:02Z", "talker"}).out, "out one\n");
  auto ts = Berth({"logs", "-t", "--tail", "1", "talker"});
  EXPECT_EQ(ts.out, "2026-11-22T17:45:05.500000000Z out three\n");
  auto bad = Berth({"logs", "--since", "someday", "talker"});
  EXPECT_NE(OneLineError(bad).find("someday"), std::string::npos);
  auto missing = Berth({"logs", "nobody"});
  EXPECT_NE(OneLineError(missing).find("nobody"), std::string::npos);
}

TEST_F(LogsTest, FollowEndsWhenTheContainerStops) {
  // Stopped: -f prints what there is and returns.
  EXPECT_EQ(Berth({"logs", "-f", "talker"}).out, "out one\nout two\nout three\n");

  Sleeper live;
  auto start = runner::ProcessStartTime("/proc", live.pid());
  ASSERT_TRUE(start);
  ContainerRecord c = MakeContainer("follower", RunningAs(live.pid(), *start));
  WriteLog(c, runner::FormatLogChunk(runner::LogStream::kStdout, runner::LogTimeNow(), "first\n"));
  // While `logs -f` waits, the "container" writes a line and then dies; the monitor is
  // gone too (none recorded), so berth itself finds out it stopped.
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    WriteLog(c, runner::FormatLogChunk(runner::LogStream::kStderr, runner::LogTimeNow(),
                                       "late\nno newline"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    live.Stop();
  });
  auto begin = std::chrono::steady_clock::now();
  auto r = Berth({"logs", "-f", "follower"});
  writer.join();
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "first\n");
  EXPECT_EQ(r.err, "late\nno newline");
  EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(900));
}

}  // namespace
}  // namespace berth::testing
