#include "berth/runner/image_config_change.hpp"

#include <gtest/gtest.h>

namespace berth::runner {
namespace {

using store::ContainerConfig;
using Strings = std::vector<std::string>;

ContainerConfig Base() {
  ContainerConfig c;
  c.env = {"PATH=/bin", "HOME=/root"};
  c.cmd = Strings{"sh"};
  c.working_dir = "/srv";
  c.exposed_ports = {"443/tcp"};
  c.labels = {{"a", "1"}};
  return c;
}

ContainerConfig Applied(const Strings& changes) {
  ContainerConfig c = Base();
  auto r = ApplyConfigChanges(changes, c);
  EXPECT_TRUE(r) << ::testing::PrintToString(changes) << ": " << r.error().ToString();
  return c;
}

TEST(ImageConfigChangeTest, CmdAndEntrypointTakeJsonOrShellForm) {
  EXPECT_EQ(Applied({"CMD [\"/bin/echo\", \"a b\"]"}).cmd, (Strings{"/bin/echo", "a b"}));
  EXPECT_EQ(Applied({"CMD echo $HOME && ls"}).cmd, (Strings{"/bin/sh", "-c", "echo $HOME && ls"}));
  // Not JSON after all: shell form, as Docker does.
  EXPECT_EQ(Applied({"CMD [oops"}).cmd, (Strings{"/bin/sh", "-c", "[oops"}));
  ContainerConfig c = Applied({"entrypoint [\"/init\"]"});
  EXPECT_EQ(c.entrypoint, Strings{"/init"});
  EXPECT_EQ(c.cmd, Strings{"sh"});  // podman keeps CMD when ENTRYPOINT changes
  EXPECT_EQ(Applied({"ENTRYPOINT []"}).entrypoint, Strings{});
  EXPECT_EQ(Applied({"CMD=/bin/true"}).cmd, (Strings{"/bin/sh", "-c", "/bin/true"}));
  ContainerConfig shell = Base();
  shell.shell = Strings{"/bin/bash", "-lc"};
  ASSERT_TRUE(ApplyConfigChange("CMD make", shell));
  EXPECT_EQ(shell.cmd, (Strings{"/bin/bash", "-lc", "make"}));
}

TEST(ImageConfigChangeTest, EnvAndLabelSetKeysWithQuoting) {
  EXPECT_EQ(Applied({"ENV PATH=/usr/bin A=\"two words\" B='$lit' C=x\\ y"}).env,
            (Strings{"PATH=/usr/bin", "HOME=/root", "A=two words", "B=$lit", "C=x y"}));
  EXPECT_EQ(Applied({"ENV GREETING hello \"big\" world"}).env,
            (Strings{"PATH=/bin", "HOME=/root", "GREETING=hello big world"}));
  EXPECT_EQ(Applied({"ENV E="}).env.back(), "E=");
  auto labels = Applied({"LABEL a=2 \"org.x\"=\"y z\"", "LABEL legacy value here"}).labels;
  EXPECT_EQ(labels, (std::map<std::string, std::string>{
                        {"a", "2"}, {"org.x", "y z"}, {"legacy", "value here"}}));
}

TEST(ImageConfigChangeTest, ExposeAndVolumeAddToSortedSets) {
  EXPECT_EQ(Applied({"EXPOSE 80 53/UDP 8000-8002/tcp 443"}).exposed_ports,
            (Strings{"443/tcp", "53/udp", "80/tcp", "8000/tcp", "8001/tcp", "8002/tcp"}));
  EXPECT_EQ(Applied({"VOLUME /b /a", "VOLUME [\"/c\", \"/a\"]"}).volumes,
            (Strings{"/a", "/b", "/c"}));
}

TEST(ImageConfigChangeTest, WorkdirUserStopsignalOnbuild) {
  EXPECT_EQ(Applied({"WORKDIR /app/../opt/"}).working_dir, "/opt");
  EXPECT_EQ(Applied({"WORKDIR sub", "WORKDIR deeper"}).working_dir, "/srv/sub/deeper");
  ContainerConfig empty;
  ASSERT_TRUE(ApplyConfigChange("WORKDIR rel", empty));
  EXPECT_EQ(empty.working_dir, "/rel");
  EXPECT_EQ(Applied({"USER app:staff"}).user, "app:staff");
  EXPECT_EQ(Applied({"STOPSIGNAL SIGRTMIN+3"}).stop_signal, "SIGRTMIN+3");
  EXPECT_EQ(Applied({"stopsignal 9"}).stop_signal, "9");
  EXPECT_EQ(Applied({"ONBUILD RUN make"}).on_build, Strings{"RUN make"});
}

TEST(ImageConfigChangeTest, BadChangesFailAndChangeNothing) {
  for (const char* bad :
       {"RUN true", "FROM x", "CMD", "ENV", "ENV =x", "ENV A=\"open", "ENV ONLYKEY", "EXPOSE 0",
        "EXPOSE 70000", "EXPOSE 90-80", "EXPOSE 80/icmp", "EXPOSE http", "CMD [1, 2]",
        "STOPSIGNAL 99", "STOPSIGNAL SIG TERM", "VOLUME [\"\"]", "", "USER \"\""}) {
    ContainerConfig c = Base();
    auto r = ApplyConfigChanges({"LABEL first=1", bad}, c);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(c.labels, Base().labels) << bad;  // the first change was rolled back too
  }
}

}  // namespace
}  // namespace berth::runner
