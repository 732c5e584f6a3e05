// A built image leaves the store as it is: `berth push` to the Docker Hub replica, then
// skopeo reads back the config fields the Containerfile set, and a fresh store pulls and runs
// it. Also the build cache seen from outside: a rebuild creates no layer, one changed COPY
// source rebuilds from that step on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "berth/base/fs.hpp"
#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/busybox_store_test.hpp"
#include "support/hub.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kContainerfile = R"(FROM localhost/berth-test/busybox:latest
ARG VERSION=1.0
ENV APP_HOME=/srv/app VERSION=$VERSION
WORKDIR $APP_HOME
COPY app.sh ./
COPY conf/ ./conf/
RUN chmod 0755 app.sh && echo "appuser:x:1234:1234::/srv/app:/bin/sh" >> /etc/passwd
USER appuser
EXPOSE 8080 53/udp
LABEL org.example.name="app" org.example.version=$VERSION
ENTRYPOINT ["./app.sh"]
CMD ["--serve"]
)";

class BuildPushTest : public BusyboxStoreTest {
 protected:
  void SetUp() override {
    BusyboxStoreTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    auto dir = TempDir::Create(fs::temp_directory_path(), "berth-build-ctx-");
    ASSERT_TRUE(dir);
    ctx_ = std::move(*dir);
    Write("Containerfile", kContainerfile);
    Write("app.sh", "#!/bin/sh\necho \"app $VERSION $* as $(id -un) in $(pwd)\"\ncat conf/*\n");
    Write("conf/a.conf", "a=1\n");
    Write("conf/b.conf", "b=2\n");
  }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((ctx_.path() / rel).parent_path());
    std::ofstream(ctx_.path() / rel) << text;
  }
  CliResult Build(std::vector<std::string> flags) {
    std::vector<std::string> args = {"build"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(ctx_.path().string());
    return Berth(args);
  }
  // Layers (directories) in the store.
  size_t LayerCount() {
    auto names = ListDir(Root() / "layers");
    return names ? names->size() : 0;
  }

  TempDir ctx_;
};

TEST_F(BuildPushTest, PushedImageKeepsItsConfigAndRunsFromAFreshStore) {
  BERTH_REQUIRE_HUB(hub);
  auto built = Build({"-t", "localhost/app:1"});
  ASSERT_EQ(built.status, 0) << built.err;
  EXPECT_EQ(BerthOk({"run", "--rm", "localhost/app:1"}),
            "app 1.0 --serve as appuser in /srv/app\na=1\nb=2\n");
  std::string dest = hub->front() + "/berthtest/build-" + std::to_string(::getpid()) + ":v1";
  auto pushed = Berth({"push", "--creds", hub->creds(), "--cert-dir", hub->cert_dir(),
                       "localhost/app:1", "docker://" + dest});
  ASSERT_EQ(pushed.status, 0) << pushed.err;

  auto skopeo = RunCommand({"skopeo", "--policy", (hub->state / "policy.json").string(), "inspect",
                            "--config", "--cert-dir", hub->cert_dir(), "--creds", hub->creds(),
                            "docker://" + dest});
  ASSERT_TRUE(skopeo && skopeo->status.ok());
  auto remote = nlohmann::json::parse(skopeo->out)["config"];
  auto local = nlohmann::json::parse(BerthOk({"inspect", "localhost/app:1"}))[0]["Config"];
  for (const char* field :
       {"Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Labels"}) {
    EXPECT_EQ(remote[field], local[field]) << field;
  }
  EXPECT_EQ(remote["User"], "appuser");
  EXPECT_EQ(remote["WorkingDir"], "/srv/app");
  EXPECT_EQ(remote["Labels"]["org.example.version"], "1.0");
  EXPECT_TRUE(remote["ExposedPorts"].contains("53/udp"));

  // Another store pulls it from the replica and runs it the same.
  auto other = TempDir::Create(fs::temp_directory_path(), "berth-build-pull-");
  ASSERT_TRUE(other);
  auto pulled = RunCli(
      BERTH_BINARY, other->path(),
      {"pull", "-q", "--creds", hub->creds(), "--cert-dir", hub->cert_dir(), "docker://" + dest});
  ASSERT_EQ(pulled.status, 0) << pulled.err;
  EXPECT_EQ(RunCliOk(BERTH_BINARY, other->path(), {"run", "--rm", dest, "--debug"}),
            "app 1.0 --debug as appuser in /srv/app\na=1\nb=2\n");
}

TEST_F(BuildPushTest, CacheReusesEveryStepAndRebuildsFromAChangedSource) {
  auto first = Build({"-t", "localhost/app:cache"});
  ASSERT_EQ(first.status, 0) << first.err;
  std::string id = Lines(first.out).back();
  size_t layers = LayerCount();
  auto again = Build({"-t", "localhost/app:cache"});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(Lines(again.out).back(), id);
  EXPECT_EQ(LayerCount(), layers) << "a rebuild with nothing changed creates no layer";
  size_t hits = 0;
  for (const auto& l : Lines(again.out)) hits += l.starts_with("--> Using cache ");
  EXPECT_EQ(hits, 11u) << again.out;  // every step after FROM

  // b.conf changes: the steps before `COPY conf/` are cached, it and the rest are not.
  Write("conf/b.conf", "b=3\n");
  auto changed = Build({"-t", "localhost/app:cache"});
  ASSERT_EQ(changed.status, 0) << changed.err;
  std::vector<std::string> lines = Lines(changed.out);
  std::string cached_steps, built_steps;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (!lines[i].starts_with("STEP ") || lines[i].starts_with("STEP 1/")) continue;
    std::string n = lines[i].substr(5, lines[i].find('/') - 5);
    (lines[i + 1].starts_with("--> Using cache") ? cached_steps : built_steps) += n + " ";
  }
  EXPECT_EQ(cached_steps, "2 3 4 5 ");
  EXPECT_EQ(built_steps, "6 7 8 9 10 11 12 ");
  EXPECT_NE(Lines(changed.out).back(), id);
  EXPECT_EQ(BerthOk({"run", "--rm", "localhost/app:cache"}),
            "app 1.0 --serve as appuser in /srv/app\na=1\nb=3\n");

  // --no-cache twice: the same image (reproducible by default).
  auto a = Build({"--no-cache", "-q"});
  auto b = Build({"--no-cache", "-q"});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(Lines(a.out).back(), Lines(b.out).back());
  EXPECT_EQ(Lines(a.out).back(), Lines(changed.out).back());
}

TEST_F(BuildPushTest, FailuresNameTheLineAndLeaveNothingBehind) {
  Write("Containerfile",
        "FROM localhost/berth-test/busybox:latest\nRUN echo partial > /x; exit 3\n");
  auto r = Build({"-t", "localhost/broken:1"});
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(Lines(r.err).back(),
            "berth: build: Containerfile:2: exit status 3: RUN echo partial > /x; exit 3");
  EXPECT_TRUE(ContainerDirs().empty());
  auto images = BerthOk({"images", "--format", "{{.Repository}}"});
  EXPECT_EQ(images.find("broken"), std::string::npos);
  auto tmp = ListDir(Root() / "tmp");
  EXPECT_TRUE(tmp && tmp->empty()) << "the build's work dir is gone";
  EXPECT_EQ(ReadText("/proc/self/mountinfo").find(Root().string()), std::string::npos);
  Write("Containerfile", "FROM localhost/berth-test/busybox:latest\nCOPY ../outside /x\n");
  r = Build({});
  EXPECT_EQ(Lines(r.err).back(),
            "berth: build: Containerfile:2: COPY ../outside: escapes the build context: COPY "
            "../outside /x");
  fs::create_symlink("/etc", ctx_.path() / "link");
  Write("Containerfile", "FROM localhost/berth-test/busybox:latest\nCOPY link/passwd /x\n");
  r = Build({});
  EXPECT_NE(
      Lines(r.err).back().find("Containerfile:2: COPY link/passwd: escapes the build context"),
      std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace berth::testing
