#include "berth/runner/process.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "rootfs_fixture.hpp"

namespace berth::runner {
namespace {

using berth::testing::RootFs;
using Strings = std::vector<std::string>;
using OptStrings = std::optional<Strings>;

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\n"
                "app:x:1000:1000::/home/app:/bin/sh\n");
    root_.Write("etc/group", "root:x:0:root\nwheel:x:10:root,app\n");
  }
  Result<ProcessSpec> Resolve(const ProcessOverrides& o, const Strings& caller_env = {}) {
    return ResolveProcess(image_, o, root_.fd(), caller_env);
  }
  // Writes an env file outside the rootfs (it is the caller's file).
  fs::path EnvFile(const std::string& name, const std::string& content) {
    root_.WriteOutside(name, content);
    return root_.outside() / name;
  }
  // The value of `key` in spec.env, checking that it appears exactly once.
  static std::optional<std::string> EnvValue(const ProcessSpec& spec, const std::string& key) {
    std::optional<std::string> out;
    for (const std::string& e : spec.env) {
      if (e.compare(0, key.size() + 1, key + "=") == 0) {
        EXPECT_FALSE(out) << key << " appears twice";
        out = e.substr(key.size() + 1);
      }
    }
    return out;
  }

  RootFs root_;
  store::ContainerConfig image_;
};

// Docker's ENTRYPOINT / CMD table (docs "Understand how CMD and ENTRYPOINT interact"), plus
// the run-time overrides.
struct ArgvCase {
  const char* name;
  OptStrings image_entrypoint;
  OptStrings image_cmd;
  std::optional<std::string> flag_entrypoint;
  Strings args;
  Strings want;  // empty: "no command" error
};

TEST_F(ProcessTest, ArgvFollowsDockersEntrypointAndCmdRules) {
  const ArgvCase cases[] = {
      {"cmd only", std::nullopt, Strings{"sh", "-c", "x"}, std::nullopt, {}, {"sh", "-c", "x"}},
      {"entrypoint only", Strings{"/ep"}, std::nullopt, std::nullopt, {}, {"/ep"}},
      {"entrypoint + cmd",
       Strings{"/ep", "-v"},
       Strings{"a"},
       std::nullopt,
       {},
       {"/ep", "-v", "a"}},
      {"args replace cmd",
       Strings{"/ep"},
       Strings{"a"},
       std::nullopt,
       {"b", "c"},
       {"/ep", "b", "c"}},
      {"args without entrypoint",
       std::nullopt,
       Strings{"a"},
       std::nullopt,
       {"ls", "-l"},
       {"ls", "-l"}},
      {"flag drops image cmd", Strings{"/ep"}, Strings{"a"}, "/new", {}, {"/new"}},
      {"flag + args", Strings{"/ep"}, Strings{"a"}, "/new", {"x"}, {"/new", "x"}},
      {"flag is one word", std::nullopt, Strings{"a"}, "/bin/sh -c", {}, {"/bin/sh -c"}},
      {"empty flag clears entrypoint", Strings{"/ep"}, Strings{"a"}, "", {"ls"}, {"ls"}},
      {"empty flag drops image cmd too", Strings{"/ep"}, Strings{"a"}, "", {}, {}},
      {"json flag (podman)",
       Strings{"/ep"},
       Strings{"a"},
       R"(["sh","-c"])",
       {"id"},
       {"sh", "-c", "id"}},
      {"empty json flag keeps image cmd (podman)", Strings{"/ep"}, Strings{"a"}, "[]", {}, {"a"}},
      {"bad json is one word", std::nullopt, std::nullopt, "[1,2]", {}, {"[1,2]"}},
      {"image entrypoint [\"\"] is none", Strings{""}, Strings{"a"}, std::nullopt, {}, {"a"}},
      {"empty cmd array", std::nullopt, Strings{}, std::nullopt, {}, {}},
      {"nothing at all", std::nullopt, std::nullopt, std::nullopt, {}, {}},
  };
  for (const ArgvCase& c : cases) {
    SCOPED_TRACE(c.name);
    image_.entrypoint = c.image_entrypoint;
    image_.cmd = c.image_cmd;
    ProcessOverrides o;
    o.entrypoint = c.flag_entrypoint;
    o.command = c.args;
    auto spec = Resolve(o);
    if (c.want.empty()) {
      ASSERT_FALSE(spec);
      EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(spec.error().message,
                "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
    } else {
      ASSERT_TRUE(spec) << spec.error().ToString();
      EXPECT_EQ(spec->argv, c.want);
    }
  }
}

TEST_F(ProcessTest, DefaultEnvironmentHasPathHostnameContainerAndHome) {
  image_.cmd = Strings{"sh"};
  ProcessOverrides o;
  o.hostname = "c0ffee";
  auto spec = Resolve(o);
  ASSERT_TRUE(spec) << spec.error().ToString();
  EXPECT_EQ(spec->env, (Strings{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                "HOSTNAME=c0ffee", "container=berth", "HOME=/root"}));
}

TEST_F(ProcessTest, TtyAddsTermUnlessSet) {
  image_.cmd = Strings{"sh"};
  ProcessOverrides o;
  o.tty = true;
  auto spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_EQ(EnvValue(*spec, "TERM"), "xterm");
  EXPECT_FALSE(EnvValue(*spec, "HOSTNAME"));  // no hostname given

  o.env = {"TERM=vt100"};
  spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_EQ(EnvValue(*spec, "TERM"), "vt100");

  o = {};
  spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_FALSE(EnvValue(*spec, "TERM"));
}

TEST_F(ProcessTest, ImageEnvThenEnvFilesThenFlagsLaterWinsInPlace) {
  image_.cmd = Strings{"sh"};
  image_.env = {"PATH=/img/bin", "A=image", "B=image", "C=image", "broken", "=nokey"};
  ProcessOverrides o;
  o.env_files = {EnvFile("one.env", "B=file1\nD=file1\n"), EnvFile("two.env", "D=file2\n")};
  o.env = {"C=flag", "E=flag", "D=flag=with=equals", "F="};
  auto spec = Resolve(o);
  ASSERT_TRUE(spec) << spec.error().ToString();
  EXPECT_EQ(spec->env, (Strings{"PATH=/img/bin", "container=berth", "A=image", "B=file1", "C=flag",
                                "D=flag=with=equals", "E=flag", "F=", "HOME=/root"}));
}

TEST_F(ProcessTest, UserEnvOverridesDefaultsIncludingHomeAndContainer) {
  image_.cmd = Strings{"sh"};
  image_.env = {"HOME=/image-home"};
  ProcessOverrides o;
  o.hostname = "h";
  o.env = {"container=other", "HOSTNAME=mine"};
  auto spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_EQ(EnvValue(*spec, "HOME"), "/image-home");
  EXPECT_EQ(EnvValue(*spec, "container"), "other");
  EXPECT_EQ(EnvValue(*spec, "HOSTNAME"), "mine");
}

TEST_F(ProcessTest, HomeFollowsTheResolvedUser) {
  image_.cmd = Strings{"sh"};
  image_.user = "app";
  auto spec = Resolve({});
  ASSERT_TRUE(spec);
  EXPECT_EQ(EnvValue(*spec, "HOME"), "/home/app");

  ProcessOverrides o;
  o.user = "4242";
  spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_EQ(EnvValue(*spec, "HOME"), "/");
}

TEST_F(ProcessTest, BareNamesCopyTheCallersValueOnlyWhenSet) {
  image_.cmd = Strings{"sh"};
  image_.env = {"KEEP=image"};
  ProcessOverrides o;
  o.env = {"FROMHOST", "KEEP", "UNSET_ON_HOST"};
  o.env_files = {EnvFile("e.env", "FILEHOST\n")};
  auto spec = Resolve(o, {"FROMHOST=h1", "FILEHOST=h2", "FROMHOST=second"});
  ASSERT_TRUE(spec) << spec.error().ToString();
  EXPECT_EQ(EnvValue(*spec, "FROMHOST"), "h1");  // the first, as getenv answers
  EXPECT_EQ(EnvValue(*spec, "FILEHOST"), "h2");
  EXPECT_EQ(EnvValue(*spec, "KEEP"), "image");  // unset on the host: podman leaves it alone
  EXPECT_FALSE(EnvValue(*spec, "UNSET_ON_HOST"));
}

TEST_F(ProcessTest, PrefixStarCopiesMatchingCallerVariables) {
  image_.cmd = Strings{"sh"};
  ProcessOverrides o;
  o.env = {"MY_*"};
  auto spec = Resolve(o, {"MY_A=1", "MY_B=2", "MYC=3", "OTHER_MY_D=4"});
  ASSERT_TRUE(spec);
  EXPECT_EQ(EnvValue(*spec, "MY_A"), "1");
  EXPECT_EQ(EnvValue(*spec, "MY_B"), "2");
  EXPECT_FALSE(EnvValue(*spec, "MYC"));
  EXPECT_FALSE(EnvValue(*spec, "OTHER_MY_D"));
}

TEST_F(ProcessTest, EnvFlagWithoutNameIsAnError) {
  image_.cmd = Strings{"sh"};
  for (const char* bad : {"=value", ""}) {
    ProcessOverrides o;
    o.env = {bad};
    auto spec = Resolve(o);
    ASSERT_FALSE(spec) << bad;
    EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(spec.error().message.find("invalid environment variable"), std::string::npos);
  }
}

TEST_F(ProcessTest, EnvFileFormatIsDockers) {
  image_.cmd = Strings{"sh"};
  ProcessOverrides o;
  o.env_files = {EnvFile("fmt.env",
                         "\xEF\xBB\xBF"
                         "BOM=1\n"
                         "# a comment\n"
                         "\n"
                         "   \t\n"
                         "   INDENTED=yes\n"
                         "QUOTED=\"kept\"\n"
                         "TRAILING=space  \n"
                         "CRLF=dos\r\n"
                         "  # indented comment\n"
                         "EMPTY=\n"
                         "LAST=no-newline")};
  auto spec = Resolve(o);
  ASSERT_TRUE(spec) << spec.error().ToString();
  EXPECT_EQ(EnvValue(*spec, "BOM"), "1");
  EXPECT_EQ(EnvValue(*spec, "INDENTED"), "yes");
  EXPECT_EQ(EnvValue(*spec, "QUOTED"), "\"kept\"");
  EXPECT_EQ(EnvValue(*spec, "TRAILING"), "space  ");
  EXPECT_EQ(EnvValue(*spec, "CRLF"), "dos");
  EXPECT_EQ(EnvValue(*spec, "EMPTY"), "");
  EXPECT_EQ(EnvValue(*spec, "LAST"), "no-newline");
}

TEST_F(ProcessTest, EnvFileErrorsNameFileAndLine) {
  image_.cmd = Strings{"sh"};
  struct Bad {
    std::string content;
    const char* cause;
  } bads[] = {
      {"OK=1\nBAD KEY=2\n", "line 2: variable 'BAD KEY' contains white space"},
      {"OK=1\n\n=novar\n", "line 3: no variable name on line '=novar'"},
      {std::string("A=1\0B\n", 6), "line 1: contains a NUL byte"},
  };
  for (size_t i = 0; i < std::size(bads); ++i) {
    fs::path file = EnvFile("bad" + std::to_string(i) + ".env", bads[i].content);
    ProcessOverrides o;
    o.env_files = {file};
    auto spec = Resolve(o);
    ASSERT_FALSE(spec) << i;
    EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(spec.error().message, "parse env file '" + file.string() + "' " + bads[i].cause);
  }
}

TEST_F(ProcessTest, MissingEnvFileIsNotFound) {
  image_.cmd = Strings{"sh"};
  ProcessOverrides o;
  o.env_files = {root_.outside() / "nope.env"};
  auto spec = Resolve(o);
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().code, ErrorCode::kNotFound);
  EXPECT_NE(spec.error().message.find("nope.env"), std::string::npos);
}

TEST_F(ProcessTest, WorkdirFlagThenImageThenRoot) {
  image_.cmd = Strings{"sh"};
  auto spec = Resolve({});
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->cwd, "/");
  EXPECT_FALSE(spec->create_cwd);

  image_.working_dir = "/srv/app/";
  spec = Resolve({});
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->cwd, "/srv/app");
  EXPECT_TRUE(spec->create_cwd);  // podman creates the image's WorkingDir

  ProcessOverrides o;
  o.workdir = "//data/./x/../y";
  spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->cwd, "/data/y");
  EXPECT_FALSE(spec->create_cwd);  // a -w directory must exist

  o.workdir = "/../..";
  spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->cwd, "/");

  o.workdir = "";  // not given
  spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->cwd, "/srv/app");
}

TEST_F(ProcessTest, RelativeWorkdirIsRejectedLikeDocker) {
  image_.cmd = Strings{"sh"};
  ProcessOverrides o;
  o.workdir = "app";
  auto spec = Resolve(o);
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(spec.error().message,
            "the working directory 'app' is invalid, it needs to be an absolute path");

  image_.working_dir = "rel";
  spec = Resolve({});
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ProcessTest, UserFlagOverridesImageUser) {
  image_.cmd = Strings{"sh"};
  image_.user = "app";
  auto spec = Resolve({});
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->uid, 1000u);
  EXPECT_EQ(spec->gid, 1000u);
  EXPECT_EQ(spec->additional_gids, (std::vector<uint32_t>{1000, 10}));

  ProcessOverrides o;
  o.user = "root:wheel";
  spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->uid, 0u);
  EXPECT_EQ(spec->gid, 10u);
  EXPECT_EQ(spec->additional_gids, (std::vector<uint32_t>{10}));

  o.user = "";  // not given: the image's user
  spec = Resolve(o);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->uid, 1000u);

  o.user = "ghost";
  spec = Resolve(o);
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message, "unable to find user ghost: no matching entries in passwd file");
}

}  // namespace
}  // namespace berth::runner
