// `berth commit` end to end: containers run from the busybox stand-in
// (tests/fixtures/make-busybox-image.sh) change their root, are committed with the CLI, and
// new containers run from the committed images see exactly those changes (new files,
// deleted files as whiteouts, replaced directories as opaque dirs), while the base image
// stays as it was. Every container (`berth rm`) and image a test made is removed at its end;
// the store is a temp dir removed with the suite.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
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

class CommitTest : public BusyboxStoreTest {
 protected:
  // Containers go first: they hold the images the test made.
  void TearDown() override {
    if (IsSkipped()) return;
    BerthOk({"rm", "-a", "-f"});
    auto left = ListDir(Root() / "containers");
    for (const auto& n : left ? *left : std::vector<std::string>{}) {
      EXPECT_EQ(n[0], '.') << "container " << n << " left behind";
    }
    for (const auto& image : made_images_) BerthOk({"rmi", image});
    EXPECT_EQ(TrimTrailing(BerthOk({"images", "-q"})).size(), 12u) << "only the base is left";
  }

  // Runs SCRIPT in a kept container called `name` from `image`, expecting exit 0.
  static void RunNamed(const std::string& name, const std::string& image,
                       const std::string& script) {
    BerthOk({"run", "--name", name, image, "sh", "-c", script});
  }
  // `berth run --rm IMAGE sh -c SCRIPT`; returns stdout.
  static std::string ShIn(const std::string& image, const std::string& script) {
    return BerthOk({"run", "--rm", image, "sh", "-c", script});
  }
  static nlohmann::json Inspect(const std::string& image) {
    std::string out = BerthOk({"inspect", image});
    auto j = nlohmann::json::parse(out, nullptr, false);
    EXPECT_TRUE(j.is_array() && j.size() == 1) << out;
    return j.is_array() && !j.empty() ? j[0] : nlohmann::json::object();
  }

  std::vector<std::string> made_images_;
};

TEST_F(CommitTest, CommittedImageHasTheContainersChangesAndTheBaseDoesNot) {
  nlohmann::json base_before = Inspect(kImage);
  RunNamed("c", kImage, "echo hi > /hello; rm /bin/ls");
  CliResult commit = Berth({"commit", "c", "localhost/committed:1"});
  ASSERT_EQ(commit.status, 0) << commit.err;
  made_images_ = {"localhost/committed:1"};
  // The id on stdout, podman's progress lines on stderr.
  std::string id = TrimTrailing(commit.out);
  EXPECT_EQ(id.size(), 64u) << commit.out;
  EXPECT_NE(commit.err.find("Writing manifest to image destination"), std::string::npos)
      << commit.err;

  EXPECT_EQ(ShIn("localhost/committed:1", "cat /hello; [ -e /bin/ls ] && echo ls || echo no ls"),
            "hi\nno ls\n");
  // `ls` itself is gone, so running it fails as a missing command does.
  CliResult ls = Berth({"run", "--rm", "localhost/committed:1", "ls", "/"});
  EXPECT_EQ(ls.status, 127) << ls.err;

  // The layer is the container's change, without the mountpoints of /etc/hosts,
  // /etc/hostname and /etc/resolv.conf berth made in the upper dir (the image has none).
  std::string layer_list;
  for (const auto& e : fs::directory_iterator(Root() / "blobs" / "sha256")) {
    auto listed = RunCommand({"sh", "-c", "tar -tzf \"$1\" 2>/dev/null", "sh", e.path().string()});
    if (listed && listed->status.ok() && listed->out.find("hello") != std::string::npos) {
      layer_list = listed->out;
    }
  }
  EXPECT_EQ(layer_list.find("etc/hosts"), std::string::npos) << layer_list;
  EXPECT_EQ(layer_list.find("etc/hostname"), std::string::npos) << layer_list;
  EXPECT_EQ(layer_list.find("etc/resolv.conf"), std::string::npos) << layer_list;
  EXPECT_NE(layer_list.find("bin/.wh.ls"), std::string::npos) << layer_list;

  nlohmann::json after = Inspect("localhost/committed:1");
  EXPECT_EQ(after["Id"], id);
  ASSERT_EQ(after["RootFS"]["Layers"].size(), 2u) << after.dump(2);
  EXPECT_EQ(after["RootFS"]["Layers"][0], base_before["RootFS"]["Layers"][0]);
  EXPECT_EQ(after["ManifestType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(after["Config"]["Cmd"], base_before["Config"]["Cmd"]);
  ASSERT_EQ(after["History"].size(), base_before["History"].size() + 1);
  EXPECT_EQ(after["History"].back()["created_by"], "sh -c echo hi > /hello; rm /bin/ls");
  std::string history =
      BerthOk({"history", "--no-trunc", "--format", "json", "localhost/committed:1"});
  auto rows = nlohmann::json::parse(history, nullptr, false);
  ASSERT_TRUE(rows.is_array()) << history;
  ASSERT_EQ(rows.size(), 2u) << history;
  EXPECT_EQ(rows[0]["ID"], "sha256:" + id);

  // The base image is unchanged, and so is what its containers see.
  nlohmann::json base_after = Inspect(kImage);
  EXPECT_EQ(base_after["Id"], base_before["Id"]);
  EXPECT_EQ(base_after["Digest"], base_before["Digest"]);
  EXPECT_EQ(ShIn(kImage, "[ -e /hello ] || echo no hello; [ -e /bin/ls ] && echo ls"),
            "no hello\nls\n");
}

TEST_F(CommitTest, ReplacedDirectoryHidesTheOldContentsAcrossCommits) {
  RunNamed("step1", kImage, "mkdir /data && echo a > /data/a && echo b > /data/b");
  BerthOk({"commit", "-q", "step1", "localhost/steps:1"});
  made_images_ = {"localhost/steps:1"};
  // rm -rf and mkdir of a lower directory makes an opaque dir in the upper dir.
  RunNamed("step2", "localhost/steps:1", "rm -rf /data && mkdir /data && echo c > /data/c");
  BerthOk({"commit", "-q", "step2", "localhost/steps:2"});
  made_images_.insert(made_images_.begin(), "localhost/steps:2");
  EXPECT_EQ(ShIn("localhost/steps:2", "ls /data; cat /data/c"), "c\nc\n");
  EXPECT_EQ(ShIn("localhost/steps:1", "ls /data"), "a\nb\n");
  EXPECT_EQ(Inspect("localhost/steps:2")["RootFS"]["Layers"].size(), 3u);
}

TEST_F(CommitTest, QuietChangesMessageAndAuthor) {
  RunNamed("cfg", kImage, "echo from-cmd > /msg");
  CliResult r = Berth({"commit", "-q", "-m", "add msg", "-a", "Tester <t@example.com>", "-c",
                       "CMD [\"cat\", \"/msg\"]", "--change", "ENV GREETING=hello", "cfg",
                       "localhost/cfg:1"});
  ASSERT_EQ(r.status, 0) << r.err;
  made_images_ = {"localhost/cfg:1"};
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(TrimTrailing(r.out).size(), 64u) << r.out;
  // No command given: the CMD set by --change runs.
  EXPECT_EQ(BerthOk({"run", "--rm", "localhost/cfg:1"}), "from-cmd\n");
  EXPECT_EQ(ShIn("localhost/cfg:1", "echo $GREETING"), "hello\n");
  nlohmann::json j = Inspect("localhost/cfg:1");
  EXPECT_EQ(j["Author"], "Tester <t@example.com>");
  EXPECT_EQ(j["History"].back()["comment"], "add msg");
  EXPECT_EQ(j["History"].back()["author"], "Tester <t@example.com>");
}

TEST_F(CommitTest, WithoutANameTheImageIsDangling) {
  RunNamed("anon", kImage, "touch /x");
  std::string id = TrimTrailing(BerthOk({"commit", "-q", "anon"}));
  ASSERT_EQ(id.size(), 64u);
  made_images_ = {id};
  nlohmann::json j = Inspect(id);
  EXPECT_TRUE(j["RepoTags"].empty()) << j.dump(2);
  EXPECT_NE(BerthOk({"images"}).find("<none>"), std::string::npos);
  EXPECT_EQ(ShIn(id, "[ -e /x ] && echo x"), "x\n");
}

// berth cannot pause: a running container is committed as it is, with a warning.
TEST_F(CommitTest, RunningContainerIsCommittedWithAWarning) {
  auto devnull = Open("/dev/null", O_WRONLY);
  ASSERT_TRUE(devnull);
  // PID 1 ignores SIGTERM without a handler: the trap lets the forwarded signal end it.
  auto run = ChildProcess::Spawn(
      {BERTH_BINARY, "--root", Root().string(), "run", "--name", "live", kImage, "sh", "-c",
       "trap 'exit 0' TERM; echo x > /f; touch /ready; sleep 60 & wait"},
      {.stdout_fd = devnull->get()});
  ASSERT_TRUE(run) << run.error().ToString();
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    auto names = ListDir(Root() / "containers");
    for (const auto& n : names ? *names : std::vector<std::string>{}) {
      if (::access((Root() / "containers" / n / "upper/ready").c_str(), F_OK) == 0) ready = true;
    }
    if (!ready) ::usleep(50 * 1000);
  }
  ASSERT_TRUE(ready) << "the container did not start";
  auto paused = Berth({"commit", "--pause", "live", "localhost/live:1"});
  EXPECT_NE(OneLineError(paused).find("pausing a running container is not supported"),
            std::string::npos);
  CliResult r = Berth({"commit", "live", "localhost/live:1"});
  EXPECT_EQ(r.status, 0) << r.err;
  if (r.status == 0) made_images_ = {"localhost/live:1"};
  EXPECT_NE(r.err.find("WARNING: the container was running"), std::string::npos) << r.err;
  ASSERT_TRUE(run->Kill(SIGTERM));
  auto status = run->Wait();
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->ok()) << status->ToString();
  EXPECT_EQ(ShIn("localhost/live:1", "cat /f"), "x\n");
}

TEST_F(CommitTest, ErrorsAreOneLineAndCreateNothing) {
  std::string images_before = BerthOk({"images", "-q"});
  auto missing = Berth({"commit", "no-such-container", "localhost/x:1"});
  EXPECT_NE(OneLineError(missing).find("no-such-container"), std::string::npos);
  RunNamed("bad", kImage, "true");
  auto bad_change = Berth({"commit", "-c", "RUN true", "bad", "localhost/x:1"});
  EXPECT_NE(OneLineError(bad_change).find("RUN"), std::string::npos);
  auto bad_name = Berth({"commit", "bad", "Not A Name"});
  EXPECT_EQ(bad_name.status, 125);
  EXPECT_EQ(BerthOk({"images", "-q"}), images_before);
}

}  // namespace
}  // namespace berth::testing
