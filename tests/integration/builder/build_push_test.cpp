// A built image goes out as it was built: `berth build` of a Containerfile that sets every
// common config field, then `berth push` to the Docker Hub replica (tests/fixtures/hub), and
// `skopeo inspect --config` of the pushed tag must show the config blob berth stored, byte
// for byte the same fields (Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Labels),
// and the values the Containerfile gave. `berth run` of the same image gives what its
// ENTRYPOINT and CMD say.
//
// Gate: skips while `berth build` is missing (berth_build_tool.hpp); needs the replica (ctest
// fixture "hub") and root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_build_test.hpp"
#include "support/berth_build_tool.hpp"
#include "support/build_tool.hpp"
#include "support/hub.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

class BuildPushTest : public BerthBuildTest {};

TEST_F(BuildPushTest, SkopeoSeesTheConfigThatWasBuilt) {
  BERTH_REQUIRE_HUB(hub);
  auto dir = TempDir::Create(fs::temp_directory_path(), "berth-build-push-");
  ASSERT_TRUE(dir) << dir.error().ToString();
  const fs::path ctx = dir->path() / "context";
  fs::create_directories(ctx);
  std::ofstream(ctx / "Containerfile")
      << "FROM " << kBusybox << "\n"
      << "RUN echo 'app:x:1000:1000::/app:/bin/sh' >> /etc/passwd\n"
         "COPY greeting.txt /app/greeting.txt\n"
         "ENV GREETING_FILE=/app/greeting.txt MODE=pushed\n"
         "WORKDIR /app\n"
         "USER app\n"
         "EXPOSE 8080/tcp 53/udp\n"
         "LABEL org.example.purpose=\"build push test\"\n"
         "ENTRYPOINT [\"/bin/cat\"]\n"
         "CMD [\"greeting.txt\"]\n";
  std::ofstream(ctx / "greeting.txt") << "hello from a pushed build\n";
  const std::string image = "localhost/berth-build-push/app:latest";
  BerthBuildTool berth(BERTH_BINARY, Root());
  CliResult built = berth.Build(ctx, image, {});
  ASSERT_EQ(built.status, 0) << built.out << built.err;

  CliResult ran = berth.Run(image, {});
  EXPECT_EQ(ran.out, "hello from a pushed build\n") << ran.err;

  const std::string dest =
      hub->front() + "/berthtest/build-push-" + std::to_string(::getpid()) + ":v1";
  CliResult pushed = RunCli(
      BERTH_BINARY, Root(),
      {"push", "--creds", hub->creds(), "--cert-dir", hub->cert_dir(), image, "docker://" + dest});
  ASSERT_EQ(pushed.status, 0) << pushed.err;

  auto seen = RunCommand({"skopeo", "--policy", (hub->state / "policy.json").string(), "inspect",
                          "--config", "--cert-dir", hub->cert_dir(), "docker://" + dest});
  ASSERT_TRUE(seen && seen->status.ok()) << "skopeo inspect --config failed";
  nlohmann::json remote = nlohmann::json::parse(seen->out, nullptr, false);
  ASSERT_TRUE(remote.is_object()) << seen->out;
  nlohmann::json local = berth.ImageConfig(image);
  const nlohmann::json& rc = remote["config"];
  for (const char* field :
       {"Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Labels"}) {
    EXPECT_EQ(rc.value(field, nlohmann::json()), local["config"].value(field, nlohmann::json()))
        << field;
  }
  EXPECT_EQ(rc["Env"], nlohmann::json::parse(
                           R"(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                               "GREETING_FILE=/app/greeting.txt", "MODE=pushed"])"));
  EXPECT_EQ(rc["Entrypoint"], nlohmann::json::parse(R"(["/bin/cat"])"));
  EXPECT_EQ(rc["Cmd"], nlohmann::json::parse(R"(["greeting.txt"])"));
  EXPECT_EQ(rc["WorkingDir"], "/app");
  EXPECT_EQ(rc["User"], "app");
  EXPECT_EQ(rc["ExposedPorts"], nlohmann::json::parse(R"({"53/udp": {}, "8080/tcp": {}})"));
  EXPECT_EQ(rc["Labels"], nlohmann::json::parse(R"({"org.example.purpose": "build push test"})"));
  EXPECT_EQ(remote["rootfs"], local["rootfs"]);
}

}  // namespace
}  // namespace berth::testing
