#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "berth/store/oci.hpp"

namespace berth::store {
namespace {

using Json = nlohmann::json;
using Strings = std::vector<std::string>;

std::string Sha(char c) { return "sha256:" + std::string(64, c); }
DiffId Id(char c) { return *DiffId::Parse(Sha(c)); }

// What `docker inspect` shows for a Docker-built image, with Docker's nulls.
std::string DockerConfigText() {
  return R"({
  "architecture": "amd64", "os": "linux", "created": "2024-01-27T00:30:56.150965Z",
  "author": "someone", "docker_version": "20.10.23", "container": "abc",
  "config": {
    "Hostname": "", "User": "nginx", "AttachStdin": false, "Tty": false,
    "ExposedPorts": {"80/tcp": {}, "443/tcp": {}, "53/udp": {}},
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=b=c"],
    "Cmd": ["nginx", "-g", "daemon off;"], "Entrypoint": ["/docker-entrypoint.sh"],
    "Image": "sha256:0000", "Volumes": {"/var/cache": {}, "/data": {}},
    "WorkingDir": "/srv", "OnBuild": null,
    "Labels": {"maintainer": "NGINX Docker Maintainers"}, "StopSignal": "SIGQUIT",
    "Shell": ["/bin/bash", "-c"],
    "Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://localhost/"], "Interval": 30000000000}
  },
  "rootfs": {"type": "layers", "diff_ids": [")" +
         Sha('1') + R"(", ")" + Sha('2') + R"("]},
  "history": [
    {"created": "2024-01-11T21:20:00Z", "created_by": "/bin/sh -c #(nop) ADD file:x in / "},
    {"created": "2024-01-11T21:20:01Z", "created_by": "/bin/sh -c #(nop)  CMD [\"sh\"]",
     "empty_layer": true},
    {"created": "2024-01-11T21:20:02Z", "created_by": "RUN apk add nginx", "author": "me",
     "comment": "buildkit.dockerfile.v0"}
  ]
})";
}

void ExpectSameConfig(const ImageConfig& a, const ImageConfig& b) {
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.author, b.author);
  EXPECT_EQ(a.architecture, b.architecture);
  EXPECT_EQ(a.os, b.os);
  EXPECT_EQ(a.variant, b.variant);
  EXPECT_EQ(a.os_version, b.os_version);
  const ContainerConfig& x = a.config;
  const ContainerConfig& y = b.config;
  EXPECT_EQ(x.user, y.user);
  EXPECT_EQ(x.exposed_ports, y.exposed_ports);
  EXPECT_EQ(x.env, y.env);
  EXPECT_EQ(x.entrypoint, y.entrypoint);
  EXPECT_EQ(x.cmd, y.cmd);
  EXPECT_EQ(x.volumes, y.volumes);
  EXPECT_EQ(x.working_dir, y.working_dir);
  EXPECT_EQ(x.labels, y.labels);
  EXPECT_EQ(x.stop_signal, y.stop_signal);
  EXPECT_EQ(x.shell, y.shell);
  EXPECT_EQ(x.on_build, y.on_build);
  EXPECT_EQ(x.healthcheck_json, y.healthcheck_json);
  ASSERT_EQ(a.diff_ids.size(), b.diff_ids.size());
  for (size_t i = 0; i < a.diff_ids.size(); ++i) EXPECT_EQ(a.diff_ids[i], b.diff_ids[i]);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].created, b.history[i].created);
    EXPECT_EQ(a.history[i].created_by, b.history[i].created_by);
    EXPECT_EQ(a.history[i].author, b.history[i].author);
    EXPECT_EQ(a.history[i].comment, b.history[i].comment);
    EXPECT_EQ(a.history[i].empty_layer, b.history[i].empty_layer);
  }
}

TEST(ImageConfigTest, ParsesDockerConfig) {
  auto c = ParseImageConfig(DockerConfigText());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->architecture, "amd64");
  EXPECT_EQ(c->os, "linux");
  EXPECT_EQ(c->created, "2024-01-27T00:30:56.150965Z");
  EXPECT_EQ(c->author, "someone");
  const ContainerConfig& cc = c->config;
  EXPECT_EQ(cc.user, "nginx");
  EXPECT_EQ(cc.exposed_ports, (Strings{"443/tcp", "53/udp", "80/tcp"}));
  EXPECT_EQ(cc.env.size(), 2u);
  EXPECT_EQ(cc.env[1], "A=b=c");
  EXPECT_EQ(cc.entrypoint, Strings{"/docker-entrypoint.sh"});
  EXPECT_EQ(cc.cmd, (Strings{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(cc.volumes, (Strings{"/data", "/var/cache"}));
  EXPECT_EQ(cc.working_dir, "/srv");
  EXPECT_EQ(cc.labels.at("maintainer"), "NGINX Docker Maintainers");
  EXPECT_EQ(cc.stop_signal, "SIGQUIT");
  EXPECT_EQ(cc.shell, (Strings{"/bin/bash", "-c"}));
  EXPECT_TRUE(cc.on_build.empty());
  EXPECT_EQ(cc.healthcheck_json,
            R"({"Interval":30000000000,"Test":["CMD-SHELL","curl -f http://localhost/"]})");
  ASSERT_EQ(c->diff_ids.size(), 2u);
  EXPECT_EQ(c->diff_ids[0], Id('1'));
  EXPECT_EQ(c->diff_ids[1], Id('2'));
  ASSERT_EQ(c->history.size(), 3u);
  EXPECT_FALSE(c->history[0].empty_layer);
  EXPECT_TRUE(c->history[1].empty_layer);
  EXPECT_EQ(c->history[2].author, "me");
  EXPECT_EQ(c->history[2].comment, "buildkit.dockerfile.v0");
  EXPECT_EQ(c->history[2].created_by, "RUN apk add nginx");
}

TEST(ImageConfigTest, ParsesMinimalOciConfigWithVariantAndOsVersion) {
  auto c = ParseImageConfig(R"({"architecture": "arm64", "os": "linux", "variant": "v8",
      "os.version": "5.15", "rootfs": {"type": "layers", "diff_ids": []}})");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->variant, "v8");
  EXPECT_EQ(c->os_version, "5.15");
  EXPECT_TRUE(c->diff_ids.empty());
  EXPECT_TRUE(c->history.empty());
  EXPECT_FALSE(c->config.cmd);
  EXPECT_FALSE(c->config.entrypoint);
}

// null and absent both mean "not set"; [] is set and empty (it resets an inherited value).
TEST(ImageConfigTest, CommandNullEmptyAbsentAndStringForms) {
  struct Case {
    const char* config;
    std::optional<Strings> cmd;
    std::optional<Strings> entrypoint;
  } cases[] = {
      {"null", std::nullopt, std::nullopt},
      {"{}", std::nullopt, std::nullopt},
      {R"({"Cmd": null, "Entrypoint": null})", std::nullopt, std::nullopt},
      {R"({"Cmd": [], "Entrypoint": []})", Strings{}, Strings{}},
      {R"({"Cmd": ["sh"]})", Strings{"sh"}, std::nullopt},
      // Docker's strslice form: a bare string is a one-element list.
      {R"({"Cmd": "echo hi", "Entrypoint": ""})", Strings{"echo hi"}, Strings{""}},
  };
  for (const Case& c : cases) {
    std::string text = std::string(R"({"rootfs": {"type": "layers"}, "config": )") + c.config + "}";
    auto parsed = ParseImageConfig(text);
    ASSERT_TRUE(parsed) << text << ": " << parsed.error().message;
    EXPECT_EQ(parsed->config.cmd, c.cmd) << text;
    EXPECT_EQ(parsed->config.entrypoint, c.entrypoint) << text;
    auto back = ParseImageConfig(ToJson(*parsed));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->config.cmd, c.cmd) << ToJson(*parsed);
    EXPECT_EQ(back->config.entrypoint, c.entrypoint) << ToJson(*parsed);
  }
}

TEST(ImageConfigTest, AbsentConfigAndDiffIds) {
  auto c = ParseImageConfig(R"({"os": "linux", "rootfs": {"type": "layers"}})");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->diff_ids.empty());
  EXPECT_TRUE(c->config.env.empty());
  EXPECT_TRUE(c->config.healthcheck_json.empty());
}

struct BadCase {
  const char* name;
  std::function<void(Json&)> mutate;
  ErrorCode code;
  std::string message;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }
std::string CaseName(const testing::TestParamInfo<BadCase>& info) { return info.param.name; }

class BadImageConfigTest : public testing::TestWithParam<BadCase> {};

TEST_P(BadImageConfigTest, FailsNamingTheField) {
  Json j = Json::parse(DockerConfigText());
  GetParam().mutate(j);
  auto c = ParseImageConfig(j.dump());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, GetParam().code) << c.error().message;
  EXPECT_EQ(c.error().message, GetParam().message);
}

constexpr auto kInval = ErrorCode::kInvalidArgument;

const std::vector<BadCase> kBadImageConfigCases = {
    BadCase{"no_rootfs", [](Json& j) { j.erase("rootfs"); }, kInval,
            "parse image config: field 'rootfs': missing"},
    BadCase{"rootfs_array", [](Json& j) { j["rootfs"] = Json::array(); }, kInval,
            "parse image config: field 'rootfs': expected object, got array"},
    BadCase{"rootfs_no_type", [](Json& j) { j["rootfs"].erase("type"); }, kInval,
            "parse image config: field 'rootfs.type': missing"},
    BadCase{"rootfs_wrong_type", [](Json& j) { j["rootfs"]["type"] = "tarballs"; }, kInval,
            "parse image config: field 'rootfs.type': expected 'layers', got 'tarballs'"},
    BadCase{"diff_ids_string", [](Json& j) { j["rootfs"]["diff_ids"] = Sha('1'); }, kInval,
            "parse image config: field 'rootfs.diff_ids': expected array of strings, got "
            "string"},
    BadCase{"diff_id_bad", [](Json& j) { j["rootfs"]["diff_ids"][1] = "sha256:zz"; }, kInval,
            "parse image config: field 'rootfs.diff_ids[1]': invalid sha256 digest zz"},
    BadCase{"diff_id_sha512",
            [](Json& j) { j["rootfs"]["diff_ids"][0] = "sha512:" + std::string(128, '0'); },
            ErrorCode::kUnsupported,
            "parse image config: field 'rootfs.diff_ids[0]': unsupported digest algorithm "
            "'sha512'"},
    BadCase{"architecture_number", [](Json& j) { j["architecture"] = 64; }, kInval,
            "parse image config: field 'architecture': expected string, got number"},
    BadCase{"os_version_bool", [](Json& j) { j["os.version"] = true; }, kInval,
            "parse image config: field 'os.version': expected string, got boolean"},
    BadCase{"config_array", [](Json& j) { j["config"] = Json::array(); }, kInval,
            "parse image config: field 'config': expected object, got array"},
    BadCase{"env_string", [](Json& j) { j["config"]["Env"] = "A=b"; }, kInval,
            "parse image config: field 'config.Env': expected array of strings, got string"},
    BadCase{"env_element", [](Json& j) { j["config"]["Env"][1] = 5; }, kInval,
            "parse image config: field 'config.Env[1]': expected string, got number"},
    BadCase{"cmd_number", [](Json& j) { j["config"]["Cmd"] = 5; }, kInval,
            "parse image config: field 'config.Cmd': expected array of strings, got number"},
    BadCase{"entrypoint_element",
            [](Json& j) {
              j["config"]["Entrypoint"] = {"a", nullptr};
            },
            kInval, "parse image config: field 'config.Entrypoint[1]': expected string, got null"},
    BadCase{"exposed_ports_array", [](Json& j) { j["config"]["ExposedPorts"] = {"80/tcp"}; },
            kInval, "parse image config: field 'config.ExposedPorts': expected object, got array"},
    BadCase{"volumes_string", [](Json& j) { j["config"]["Volumes"] = "/data"; }, kInval,
            "parse image config: field 'config.Volumes': expected object, got string"},
    BadCase{"label_value_number", [](Json& j) { j["config"]["Labels"]["version"] = 2; }, kInval,
            "parse image config: field 'config.Labels.version': expected string, got number"},
    BadCase{"user_number", [](Json& j) { j["config"]["User"] = 0; }, kInval,
            "parse image config: field 'config.User': expected string, got number"},
    BadCase{"healthcheck_string", [](Json& j) { j["config"]["Healthcheck"] = "curl"; }, kInval,
            "parse image config: field 'config.Healthcheck': expected object, got string"},
    BadCase{"on_build_element",
            [](Json& j) {
              j["config"]["OnBuild"] = {
                  {{"a", 1}},
              };
            },
            kInval, "parse image config: field 'config.OnBuild[0]': expected string, got object"},
    BadCase{"history_object", [](Json& j) { j["history"] = Json::object(); }, kInval,
            "parse image config: field 'history': expected array, got object"},
    BadCase{"history_entry_string", [](Json& j) { j["history"][0] = "x"; }, kInval,
            "parse image config: field 'history[0]': expected object, got string"},
    BadCase{"history_empty_layer_string", [](Json& j) { j["history"][2]["empty_layer"] = "true"; },
            kInval,
            "parse image config: field 'history[2].empty_layer': expected boolean, got "
            "string"},
    BadCase{"history_created_by_number", [](Json& j) { j["history"][1]["created_by"] = 1; }, kInval,
            "parse image config: field 'history[1].created_by': expected string, got "
            "number"}};

INSTANTIATE_TEST_SUITE_P(Cases, BadImageConfigTest, testing::ValuesIn(kBadImageConfigCases),
                         CaseName);

TEST(ImageConfigTest, CanonicalJsonGolden) {
  ImageConfig c;
  c.architecture = "amd64";
  c.os = "linux";
  c.config.env = {"PATH=/bin"};
  c.config.cmd = Strings{"sh"};
  c.config.exposed_ports = {"80/tcp"};
  c.diff_ids = {Id('1')};
  c.history = {{.created_by = "ADD x /"}, {.created_by = "CMD sh", .empty_layer = true}};
  const std::string golden =
      R"({"architecture":"amd64","config":{"Cmd":["sh"],"Env":["PATH=/bin"],)"
      R"("ExposedPorts":{"80/tcp":{}}},"history":[{"created_by":"ADD x /"},)"
      R"({"created_by":"CMD sh","empty_layer":true}],"os":"linux",)"
      R"("rootfs":{"diff_ids":[")" +
      Sha('1') + R"("],"type":"layers"}})";
  EXPECT_EQ(ToJson(c), golden);
  auto back = ParseImageConfig(golden);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(ToJson(*back), golden);
}

TEST(ImageConfigTest, EmptyConfigIsMinimal) {
  ImageConfig c;
  EXPECT_EQ(ToJson(c),
            R"({"architecture":"","config":{},"os":"","rootfs":{"diff_ids":[],"type":"layers"}})");
}

TEST(ImageConfigTest, DockerConfigRoundTripsAndIsStable) {
  auto first = ParseImageConfig(DockerConfigText());
  ASSERT_TRUE(first) << first.error().message;
  std::string canonical = ToJson(*first);
  auto second = ParseImageConfig(canonical);
  ASSERT_TRUE(second) << second.error().message << "\n" << canonical;
  ExpectSameConfig(*second, *first);
  EXPECT_EQ(ToJson(*second), canonical);
  // Fields berth does not model are not carried over.
  EXPECT_EQ(canonical.find("docker_version"), std::string::npos);
  EXPECT_EQ(canonical.find("Hostname"), std::string::npos);
  EXPECT_EQ(canonical.find("OnBuild"), std::string::npos);
}

TEST(ImageConfigTest, RoundTripsEveryModelledField) {
  ImageConfig c;
  c.created = "2024-01-02T03:04:05.123456789Z";
  c.author = "berth";
  c.architecture = "arm";
  c.os = "linux";
  c.variant = "v7";
  c.os_version = "6.1";
  ContainerConfig& cc = c.config;
  cc.user = "1000:1000";
  cc.exposed_ports = {"53/udp", "80/tcp"};
  cc.env = {"A=1", "B="};
  cc.entrypoint = Strings{"/init"};
  cc.cmd = Strings{};
  cc.volumes = {"/data", "/logs"};
  cc.working_dir = "/app";
  cc.labels = {{"org.opencontainers.image.title", "x"}, {"empty", ""}};
  cc.stop_signal = "15";
  cc.shell = Strings{"/bin/ash", "-eo", "pipefail", "-c"};
  cc.on_build = {"RUN make"};
  cc.healthcheck_json = R"({"Interval":1000,"Test":["NONE"]})";
  c.diff_ids = {Id('a'), Id('b'), Id('c')};
  c.history = {{.created = "2024-01-01T00:00:00Z",
                .created_by = "a",
                .author = "b",
                .comment = "c",
                .empty_layer = false},
               {.created_by = "ENV A=1", .empty_layer = true}};
  auto back = ParseImageConfig(ToJson(c));
  ASSERT_TRUE(back) << back.error().message << "\n" << ToJson(c);
  ExpectSameConfig(*back, c);
}

TEST(ImageConfigTest, InvalidHealthcheckTextIsDroppedNotWritten) {
  ImageConfig c;
  c.config.healthcheck_json = "not json";
  std::string text = ToJson(c);
  EXPECT_EQ(text.find("Healthcheck"), std::string::npos);
  EXPECT_TRUE(ParseImageConfig(text));
}

}  // namespace
}  // namespace berth::store
