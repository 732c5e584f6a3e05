#include <sys/stat.h>

#include <gtest/gtest.h>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/puller/auth.hpp"
#include "berth/puller/platform_select.hpp"
#include "berth/puller/registry_config.hpp"

namespace berth::puller {
namespace {

TempDir Tmp() { return std::move(*TempDir::Create("/tmp", "berth-puller-cfg-")); }

TEST(AuthFile, SaveLookupRemoveRoundTripWithMode0600) {
  TempDir d = Tmp();
  fs::path file = d.path() / "run" / "containers" / "auth.json";
  ASSERT_TRUE(SaveCredentials(file, "docker.io", {"alice", "s3:cret"}));
  ASSERT_TRUE(SaveCredentials(file, "myreg:5000", {"bob", "pw"}));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  AuthFiles files;
  files.xdg_runtime_dir = d.path() / "run";
  auto c = LookupCredentials("docker.io", files);
  ASSERT_TRUE(c && *c);
  EXPECT_EQ(**c, (Credentials{"alice", "s3:cret"}));
  ASSERT_TRUE(RemoveCredentials(file, "docker.io"));
  c = LookupCredentials("docker.io", files);
  ASSERT_TRUE(c);
  EXPECT_FALSE(*c);
  EXPECT_EQ(RemoveCredentials(file, "docker.io").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(*LookupCredentials("myreg:5000", files));
}

TEST(AuthFile, DockerConfigHubKeyAndMalformedEntry) {
  TempDir d = Tmp();
  ASSERT_TRUE(MakeDirs(d.path() / ".docker"));
  // base64("u:p") = dTpw
  ASSERT_TRUE(WriteFileAtomic(d.path() / ".docker" / "config.json",
                              R"({"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},"bad.io":{"auth":"!!"}}})"));
  AuthFiles files;
  files.home = d.path();
  auto c = LookupCredentials("docker.io", files);
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->username, "u");
  auto bad = LookupCredentials("bad.io", files);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("auths.bad.io.auth"), std::string::npos);
}

TEST(RegistriesConfig, ParsesAndMergesUserOverSystem) {
  TempDir d = Tmp();
  ASSERT_TRUE(WriteFileAtomic(d.path() / "sys.json",
                              R"({"registries":{"docker.io":{"mirrors":["a:5000","b"]},"x:1":{"insecure":true}}})"));
  ASSERT_TRUE(WriteFileAtomic(d.path() / "user.json",
                              R"({"registries":{"docker.io":{"mirrors":["c"]}}})"));
  RegistriesConfigPaths p;
  p.defaults = {d.path() / "sys.json", d.path() / "missing.json", d.path() / "user.json"};
  auto cfg = LoadRegistriesConfig(p);
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->For("docker.io").mirrors, std::vector<std::string>{"c"});
  EXPECT_TRUE(cfg->For("x:1").insecure);
  EXPECT_FALSE(cfg->For("other").insecure);
  p.explicit_path = d.path() / "sys.json";
  cfg = LoadRegistriesConfig(p);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->For("docker.io").mirrors, (std::vector<std::string>{"a:5000", "b"}));
  p.explicit_path = d.path() / "missing.json";
  EXPECT_EQ(LoadRegistriesConfig(p).error().code, ErrorCode::kNotFound);
}

TEST(RegistriesConfig, BadFieldIsNamed) {
  auto r = ParseRegistriesConfig(R"({"registries":{"r":{"insecure":"yes"}}})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("registries.r.insecure"), std::string::npos);
  EXPECT_FALSE(ParseRegistriesConfig("{nope"));
}

TEST(CertsDir, FindsHostFilesAndCertDirOverride) {
  TempDir d = Tmp();
  fs::path host = d.path() / "containers" / "myreg:5000";
  ASSERT_TRUE(MakeDirs(host));
  for (const char* f : {"ca.crt", "client.cert", "client.key"}) {
    ASSERT_TRUE(WriteFileAtomic(host / f, "x"));
  }
  auto tls = FindHostCerts("myreg:5000", {}, {d.path() / "containers", d.path() / "docker"});
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->ca_file, (host / "ca.crt").string());
  EXPECT_EQ(tls->client_cert, (host / "client.cert").string());
  EXPECT_EQ(tls->client_key, (host / "client.key").string());
  auto none = FindHostCerts("other", {}, {d.path() / "containers"});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->ca_file.empty());
  ASSERT_TRUE(MakeDirs(d.path() / "explicit"));
  ASSERT_TRUE(WriteFileAtomic(d.path() / "explicit" / "my.crt", "x"));
  ASSERT_TRUE(WriteFileAtomic(d.path() / "explicit" / "c.cert", "x"));
  auto bad = FindHostCerts("myreg:5000", d.path() / "explicit", {});
  ASSERT_FALSE(bad);  // c.cert without c.key
}

TEST(Platform, ParsesAndNormalises) {
  EXPECT_EQ(ParsePlatform("arm64")->String(), "linux/arm64/v8");
  EXPECT_EQ(ParsePlatform("linux/aarch64")->String(), "linux/arm64/v8");
  EXPECT_EQ(ParsePlatform("linux/x86_64")->String(), "linux/amd64");
  EXPECT_EQ(ParsePlatform("linux/arm/v7")->String(), "linux/arm/v7");
  EXPECT_FALSE(ParsePlatform("a/b/c/d"));
  EXPECT_FALSE(ParsePlatform("linux//"));
}

TEST(Platform, SelectsSkippingAttestationsAndUnknown) {
  store::Index idx;
  auto add = [&](const char* os, const char* arch, const char* variant, const char* payload,
                 bool attestation = false) {
    store::Descriptor d;
    d.digest = store::Digest::Of(payload);
    d.platform = store::Platform{os, arch, variant, "", {}};
    if (attestation) d.annotations["vnd.docker.reference.type"] = "attestation-manifest";
    idx.manifests.push_back(d);
  };
  add("unknown", "unknown", "", "u");
  add("linux", "amd64", "", "att", true);
  add("linux", "amd64", "", "amd");
  add("linux", "arm", "v6", "v6");
  add("linux", "arm", "v7", "v7");
  add("linux", "arm64", "v8", "arm64");
  EXPECT_EQ(SelectPlatform(idx, *ParsePlatform("linux/amd64"))->digest, store::Digest::Of("amd"));
  EXPECT_EQ(SelectPlatform(idx, *ParsePlatform("arm64"))->digest, store::Digest::Of("arm64"));
  EXPECT_EQ(SelectPlatform(idx, *ParsePlatform("linux/arm/v7"))->digest, store::Digest::Of("v7"));
  EXPECT_EQ(SelectPlatform(idx, *ParsePlatform("linux/arm/v6"))->digest, store::Digest::Of("v6"));
  auto none = SelectPlatform(idx, *ParsePlatform("linux/ppc64le"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message.find("unknown"), std::string::npos) << none.error().message;
}

}  // namespace
}  // namespace berth::puller
