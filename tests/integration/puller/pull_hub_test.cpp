// `berth pull` against the Docker Hub replica, as a user runs it: short names through the
// docker.io mirror configuration, the layered image's final tree, and every fault the issue
// names (each through a fault proxy of the test's own), checking the one-line error and
// that nothing unverified reaches the store.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_cli.hpp"
#include "support/hub.hpp"
#include "support/run_in_child.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

std::string Hex(const std::string& digest) { return digest.substr(digest.find(':') + 1); }

class PullHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = SharedHub(&why_);
    if (hub_ == nullptr) {
      if (HubIsRequired()) FAIL() << why_;
      GTEST_SKIP() << why_;
    }
    auto t = TempDir::Create(::testing::TempDir(), "pull-hub-");
    ASSERT_TRUE(t);
    dir_ = std::move(*t);
    root_ = dir_.path() / "root";
  }

  // berth with this test's own XDG_RUNTIME_DIR and HOME: the machine's credential files
  // (or another test's) never decide which token a pull asks for.
  CliResult Run(const std::vector<std::string>& argv) {
    return RunCli(BERTH_BINARY, root_, argv, OwnCredentialDirs(dir_.path()));
  }

  // berth pull through the replica's own registries.json (or `conf`), trusting its CA.
  CliResult Pull(const std::vector<std::string>& args, const std::string& conf = "") {
    std::vector<std::string> argv = {"pull", "--registries-conf",
                                     conf.empty() ? hub_->registries_json() : conf, "--cert-dir",
                                     hub_->cert_dir()};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv);
  }
  CliResult Berth(const std::vector<std::string>& args) { return Run(args); }

  // A fault proxy named after the test, in front of the replica.
  std::unique_ptr<FaultProxy> Proxy() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string error;
    auto p = FaultProxy::Start(*hub_, std::string(info->name()), &error);
    EXPECT_NE(p, nullptr) << error;
    return p;
  }

  // Nothing unverified is visible: no image, and every stored blob hashes to its name.
  void ExpectStoreHoldsOnlyVerifiedBlobs() {
    auto images = Berth({"images", "-q"});
    EXPECT_EQ(images.status, 0) << images.err;
    EXPECT_EQ(images.out, "");
    fs::path blobs = root_ / "blobs" / "sha256";
    if (!fs::exists(blobs)) return;
    for (const auto& e : fs::directory_iterator(blobs)) {
      auto sum = RunCommand({"sha256sum", e.path().string()});
      ASSERT_TRUE(sum);
      EXPECT_EQ(sum->out.substr(0, 64), e.path().filename().string()) << e.path();
    }
  }

  // A fault rule for GETs of blob `digest` on the proxy's CDN listener; `fault` holds the
  // kind and its fields ({"fault": "truncate", "after": 65536, "times": 1}).
  static nlohmann::json CdnRule(const std::string& digest, nlohmann::json fault) {
    fault["path"] = Hex(digest) + "$";
    fault["method"] = "GET";
    fault["listener"] = "cdn";
    return fault;
  }

  // Requests the proxy saw for `path_part` on `listener` ("front", "cdn" or "" for both).
  static std::vector<nlohmann::json> Requests(FaultProxy& p, const std::string& path_part,
                                              const std::string& listener = "") {
    std::vector<nlohmann::json> out;
    for (const auto& r : p.Log()) {
      if (!r["path"].is_string() || !r["listener"].is_string()) continue;
      if (r["path"].get<std::string>().find(path_part) == std::string::npos) continue;
      if (!listener.empty() && r["listener"] != listener) continue;
      out.push_back(r);
    }
    return out;
  }

  // "METHOD PATH" of the requests the proxy saw after the first `from`.
  static std::vector<std::string> AskedSince(FaultProxy& p, size_t from) {
    std::vector<std::string> out;
    auto log = p.Log();
    for (size_t i = from; i < log.size(); ++i) {
      out.push_back(log[i]["method"].get<std::string>() + " " + log[i]["path"].get<std::string>());
    }
    return out;
  }

  // Tokens the replica's token server issued for `scope` (its logs/token.log).
  int TokensIssuedFor(const std::string& scope) const {
    int n = 0;
    for (const auto& line : Lines(ReadText(hub_->state / "logs" / "token.log"))) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("scopes") && j["scopes"].is_array()) {
        for (const auto& s : j["scopes"]) n += s == scope ? 1 : 0;
      }
    }
    return n;
  }
  // The token server's log lines that name `scope`.
  std::string TokenLog(const std::string& scope) const {
    std::string out;
    for (const auto& line : Lines(ReadText(hub_->state / "logs" / "token.log"))) {
      if (line.find(scope) != std::string::npos) out += line + "\n";
    }
    return out;
  }

  const Hub* hub_ = nullptr;
  std::string why_;
  TempDir dir_;
  fs::path root_;
};

TEST_F(PullHubTest, ShortNameAlpineThroughTheDockerIoMirror) {
  auto r = Pull({"alpine"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string id = TrimTrailing(r.out);
  EXPECT_EQ(id.size(), 64u) << r.out;
  EXPECT_NE(r.err.find("Trying to pull alpine"), std::string::npos) << r.err;
  // Not a terminal: plain status lines, no control characters in a CI log.
  EXPECT_EQ(r.err.find_first_of("\r\033"), std::string::npos) << r.err;
  EXPECT_NE(
      r.err.find("Copying blob " + Hex(hub_->Var("ALPINE_LAYER_DIGEST")).substr(0, 12) + " done"),
      std::string::npos)
      << r.err;

  auto images = Berth({"images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"});
  ASSERT_EQ(images.status, 0) << images.err;
  EXPECT_EQ(images.out, "docker.io/library/alpine:latest " + id.substr(0, 12) + "\n");

  auto inspect = Berth({"inspect", "alpine"});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  auto j = nlohmann::json::parse(inspect.out);
  ASSERT_TRUE(j.is_array() && j.size() == 1) << inspect.out;
  EXPECT_EQ(j[0]["Id"], id);
  EXPECT_EQ(j[0]["RepoDigests"], nlohmann::json::array({"docker.io/library/alpine@" +
                                                        hub_->Var("ALPINE_INDEX_DIGEST")}));
  EXPECT_EQ(j[0]["Architecture"], "amd64");

  // The host's platform was chosen: its layer is unpacked, with the stand-in's os-release.
  fs::path diff = root_ / "layers" / Hex(hub_->Var("ALPINE_DIFF_ID")) / "diff";
  EXPECT_NE(ReadText(diff / "etc" / "os-release").find("Alpine Linux stand-in"), std::string::npos);
  // Only the chosen platform's blobs were fetched: one layer, one config, two manifests.
  size_t blobs =
      std::distance(fs::directory_iterator(root_ / "blobs" / "sha256"), fs::directory_iterator());
  EXPECT_EQ(blobs, 3u) << "layer + config + platform manifest";
}

TEST_F(PullHubTest, FullyQualifiedNameIsTheSameImageAndARepullFetchesNoBlob) {
  auto first = Pull({"-q", "docker.io/library/alpine:latest"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(first.err, "") << "-q prints nothing but the id";
  auto second = Pull({"alpine"});
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
  EXPECT_NE(second.err.find("already exists"), std::string::npos) << second.err;
  for (const auto& line : Lines(second.err)) {
    EXPECT_FALSE(line.rfind("Copying blob", 0) == 0 && line.ends_with(" done"))
        << "no blob copied again: " << second.err;
  }

  // By digest (of the index) too; the tag is not needed.
  auto by_digest = Pull({"-q", "alpine@" + hub_->Var("ALPINE_INDEX_DIGEST")});
  ASSERT_EQ(by_digest.status, 0) << by_digest.err;
  EXPECT_EQ(by_digest.out, first.out);
}

TEST_F(PullHubTest, OnATerminalEachLayerHasAProgressBarWithItsRate) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  // Slow enough answers that a rate gets measured and the bars get drawn.
  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array(
      {{{"path", "sha256"}, {"listener", "cdn"}, {"fault", "delay"}, {"seconds", 0.3}}})));
  std::string conf = proxy->WriteRegistriesJson(dir_.path());
  std::string cmd = std::string(BERTH_BINARY) + " --root " + root_.string() +
                    " pull --registries-conf " + conf + " --cert-dir " + hub_->cert_dir() +
                    " library/layered";
  // script(1) gives berth a pseudo-terminal and copies what it draws to stdout.
  auto r = RunCommand({"script", "-qec", cmd, "/dev/null"});
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->status.ok()) << r->out;
  std::string big = Hex(hub_->Var("LAYERED_BIG_LAYER_DIGEST")).substr(0, 12);
  EXPECT_NE(r->out.find("Copying blob " + big + " ["), std::string::npos) << r->out;
  EXPECT_NE(r->out.find(" / 2.0MiB"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("iB/s"), std::string::npos) << "a rate: " << r->out;
  EXPECT_NE(r->out.find("\033[K"), std::string::npos) << "redrawn in place";
  EXPECT_NE(r->out.find("Copying blob " + big + " done"), std::string::npos) << r->out;
}

TEST_F(PullHubTest, RepullAsksOnlyForWhatTheTagNamesNow) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string conf = proxy->WriteRegistriesJson(dir_.path());
  ASSERT_EQ(Pull({"-q", "alpine"}, conf).status, 0);
  fs::path images_json = root_ / "images.json";
  auto written = fs::last_write_time(images_json);
  size_t before = proxy->Log().size();
  auto again = Pull({"-q", "alpine"}, conf);
  ASSERT_EQ(again.status, 0) << again.err;
  // The tag's index: yes. The platform manifest, the config, the layer: all stored already.
  // No ping either: the first pull's token is in the store's token cache.
  EXPECT_EQ(AskedSince(*proxy, before),
            (std::vector<std::string>{"GET /v2/library/alpine/manifests/latest"}));
  EXPECT_EQ(fs::last_write_time(images_json), written) << "nothing changed, nothing written";
}

TEST_F(PullHubTest, RepullWithACachedTokenAsksNeitherTheTokenServerNorThePing) {
  // A repository of this test's own, so the token server's log counts its tokens only.
  auto alpine = Pull({"-q", "alpine"});
  ASSERT_EQ(alpine.status, 0) << alpine.err;
  std::string repo = "berthtest/repull-token-cache-" + std::to_string(::getpid());
  auto push = Berth({"push", "-q", "--creds", hub_->creds(), "--cert-dir", hub_->cert_dir(),
                     "alpine", hub_->front() + "/" + repo});
  ASSERT_EQ(push.status, 0) << push.err;
  const std::string scope = "repository:" + repo + ":pull";
  const std::string manifest = "GET /v2/" + repo + "/manifests/latest";
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string conf = proxy->WriteRegistriesJson(dir_.path());

  // What the proxy and the token server saw, for a failure's message.
  auto seen = [&] { return proxy->Log().dump(1) + "\ntokens:\n" + TokenLog(scope); };
  auto first = Pull({"-q", repo}, conf);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(AskedSince(*proxy, 0), (std::vector<std::string>{"GET /v2/", manifest})) << seen();
  EXPECT_EQ(TokensIssuedFor(scope), 1) << seen();
  for (int i = 0; i < 2; ++i) {
    size_t before = proxy->Log().size();
    auto again = Pull({"-q", repo}, conf);
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(AskedSince(*proxy, before), std::vector<std::string>{manifest})
        << "re-pull " << i << ": " << seen();
    auto log = proxy->Log();
    ASSERT_FALSE(log.empty());
    EXPECT_TRUE(log.back()["authorization"].get<bool>()) << "with the cached token";
    EXPECT_EQ(TokensIssuedFor(scope), 1) << "re-pull " << i << ": " << seen();
  }
  fs::path tokens = root_ / "cache" / "tokens";
  EXPECT_EQ((fs::status(tokens).permissions() & fs::perms::all), fs::perms::owner_all);

  // The registry revokes it (a 401 with its challenge): one fresh token, one retry.
  std::string challenge = "Bearer realm=\"" + hub_->Var("HUB_TOKEN_URL") + "\",service=\"" +
                          hub_->Var("HUB_SERVICE") + "\"";
  ASSERT_TRUE(
      proxy->SetRules(nlohmann::json::array({{{"path", "/manifests/latest"},
                                              {"fault", "status"},
                                              {"status", 401},
                                              {"headers", {{"WWW-Authenticate", challenge}}},
                                              {"times", 1}}})));
  size_t before = proxy->Log().size();
  auto revoked = Pull({"-q", repo}, conf);
  ASSERT_EQ(revoked.status, 0) << revoked.err;
  EXPECT_EQ(AskedSince(*proxy, before), (std::vector<std::string>{manifest, manifest})) << seen();
  EXPECT_EQ(TokensIssuedFor(scope), 2) << seen();

  // logout --all forgets the tokens: the next pull pings and fetches one again.
  auto logout = Berth({"logout", "--all", "--authfile", (dir_.path() / "auth.json").string()});
  ASSERT_EQ(logout.status, 0) << logout.err;
  EXPECT_FALSE(fs::exists(tokens));
  before = proxy->Log().size();
  auto last = Pull({"-q", repo}, conf);
  ASSERT_EQ(last.status, 0) << last.err;
  EXPECT_EQ(AskedSince(*proxy, before), (std::vector<std::string>{"GET /v2/", manifest}))
      << seen();
  EXPECT_EQ(TokensIssuedFor(scope), 3) << seen();
}

TEST_F(PullHubTest, PlatformFlagPicksAnotherEntryOfTheIndex) {
  auto r = Pull({"-q", "--platform", "linux/arm64/v8", "alpine"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto inspect = Berth({"inspect", "--format", "{{.Architecture}}", TrimTrailing(r.out)});
  EXPECT_EQ(inspect.out, "arm64\n") << inspect.err;

  auto none = Pull({"--platform", "linux/s390x", "alpine"});
  std::string line = OneLineError(none);
  EXPECT_NE(line.find("linux/s390x"), std::string::npos) << line;
  EXPECT_NE(line.find("linux/arm64/v8"), std::string::npos) << "lists what there is: " << line;
  EXPECT_EQ(line.find("unknown/unknown"), std::string::npos) << "attestations are no platform";
}

TEST_F(PullHubTest, LayeredImageHasExactlyTheExpectedTree) {
  auto r = Pull({"-q", "library/layered"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string expected_tree = ReadText(hub_->state / "expected" / "layered.tree");
  std::string expected_sums = ReadText(hub_->state / "expected" / "layered.sha256");
  std::string probe = ProbeOverlayMount();
  if (!probe.empty()) {
    if (RequirePrivileged()) FAIL() << probe;
    GTEST_SKIP() << probe;
  }
  RunInChild([&] {
    auto mount = Berth({"image", "mount", "layered"});
    ASSERT_EQ(mount.status, 0) << mount.err;
    std::string mnt = TrimTrailing(mount.out);
    auto tree = RunCommand(
        {"sh", "-c", "cd \"$0\" && find . -mindepth 1 -printf '%y %m %n %p -> %l\\n'", mnt});
    ASSERT_TRUE(tree && tree->status.ok());
    // Path -> line; overlay reports a link count of 1 for merged directories, so
    // directories are compared without theirs.
    auto by_path = [](const std::string& text) {
      std::map<std::string, std::string> out;
      for (const auto& l : Lines(text)) {
        auto a = l.find(' ', 2), b = l.find(' ', a + 1), c = l.find(" -> ", b + 1);
        if (c == std::string::npos) continue;
        out[l.substr(b + 1, c - b - 1)] = l.rfind("d ", 0) == 0 ? l.substr(0, a) + l.substr(b) : l;
      }
      return out;
    };
    auto got = by_path(tree->out), want = by_path(expected_tree);
    EXPECT_GT(want.size(), 200u);
    for (const auto& [path, line] : want) {
      auto it = got.find(path);
      EXPECT_TRUE(it != got.end() && it->second == line)
          << "want: " << line << "\ngot:  " << (it == got.end() ? "(missing)" : it->second);
    }
    for (const auto& [path, line] : got) {
      EXPECT_TRUE(want.count(path)) << "unexpected: " << line;
    }
    auto sums = RunCommand({"sh", "-c",
                            "cd \"$0\" && find . -type f -print0 | LC_ALL=C sort -z | "
                            "xargs -0 sha256sum",
                            mnt});
    ASSERT_TRUE(sums && sums->status.ok());
    EXPECT_EQ(sums->out, expected_sums);
    EXPECT_EQ(Berth({"image", "unmount", "layered"}).status, 0);
  });
}

// ---- faults ----

TEST_F(PullHubTest, UnknownTagIsOneLineNamingTheManifest) {
  auto r = Pull({"alpine:no-such-tag"});
  std::string line = OneLineError(r);
  EXPECT_NE(line.find("docker.io/library/alpine:no-such-tag"), std::string::npos) << line;
  EXPECT_NE(line.find("manifest unknown"), std::string::npos) << line;
  ExpectStoreHoldsOnlyVerifiedBlobs();
}

TEST_F(PullHubTest, UntrustedCertificateFailsAtOnceWithAHint) {
  // No --cert-dir: the replica's CA is unknown, and a retry would not change that.
  auto r = Run({"pull", "--registries-conf", hub_->registries_json(), "alpine"});
  std::string line = OneLineError(r);
  EXPECT_NE(line.find("certificate"), std::string::npos) << line;
  EXPECT_NE(line.find("--cert-dir"), std::string::npos) << line;
  EXPECT_EQ(line.find("gave up after"), std::string::npos) << "not retried: " << line;
}

TEST_F(PullHubTest, BadCredentialsAreRefusedClearly) {
  auto r = Pull({"--creds", hub_->Var("HUB_USER") + ":wrong-password", "alpine"});
  std::string line = OneLineError(r);
  EXPECT_NE(line.find("incorrect username or password"), std::string::npos) << line;
  EXPECT_EQ(line.find("wrong-password"), std::string::npos) << "never print a password";
  ExpectStoreHoldsOnlyVerifiedBlobs();

  auto good = Pull({"-q", "--creds", hub_->creds(), "alpine"});
  EXPECT_EQ(good.status, 0) << good.err;
}

TEST_F(PullHubTest, CorruptLayerIsADigestMismatchAndIsNotStored) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string layer = hub_->Var("ALPINE_LAYER_DIGEST");
  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array(
      {{{"path", Hex(layer) + "$"}, {"method", "GET"}, {"fault", "corrupt"}}})));
  auto r = Pull({"alpine"}, proxy->WriteRegistriesJson(dir_.path()));
  std::string line = OneLineError(r);
  EXPECT_NE(line.find("layer " + layer), std::string::npos) << line;
  EXPECT_NE(line.find("digest mismatch"), std::string::npos) << line;
  EXPECT_FALSE(fs::exists(root_ / "blobs" / "sha256" / Hex(layer)));
  ExpectStoreHoldsOnlyVerifiedBlobs();
}

TEST_F(PullHubTest, TruncatedBlobIsRefused) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string layer = hub_->Var("ALPINE_LAYER_DIGEST");
  // The registry answers 200 with a short body (its Content-Length agrees): not a broken
  // connection, a blob that is too short.
  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array(
      {CdnRule(layer, {{"fault", "status"}, {"status", 200}, {"body", "only a few bytes"}})})));
  auto r = Pull({"alpine"}, proxy->WriteRegistriesJson(dir_.path()));
  std::string line = OneLineError(r);
  EXPECT_NE(line.find(layer), std::string::npos) << line;
  EXPECT_NE(line.find("16 bytes, expected " + hub_->Var("ALPINE_LAYER_SIZE")), std::string::npos)
      << line;
  ExpectStoreHoldsOnlyVerifiedBlobs();
}

TEST_F(PullHubTest, CorruptManifestIsADigestMismatch) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  // The platform manifest is addressed by digest from the index: its body must hash to it.
  std::string host = hub_->Var("ALPINE_HOST_DIGEST");
  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array(
      {{{"path", "/manifests/" + host}, {"method", "GET"}, {"fault", "corrupt"}}})));
  std::string conf = proxy->WriteRegistriesJson(dir_.path());
  std::string line = OneLineError(Pull({"alpine"}, conf));
  EXPECT_NE(line.find("digest mismatch"), std::string::npos) << line;
  EXPECT_NE(line.find(host), std::string::npos) << line;

  // Pulled by digest, the index itself is checked too.
  std::string index = hub_->Var("ALPINE_INDEX_DIGEST");
  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array(
      {{{"path", "/manifests/" + index}, {"method", "GET"}, {"fault", "corrupt"}}})));
  line = OneLineError(Pull({"alpine@" + index}, conf));
  EXPECT_NE(line.find("digest mismatch: expected " + index), std::string::npos) << line;
  ExpectStoreHoldsOnlyVerifiedBlobs();
}

TEST_F(PullHubTest, MalformedManifestNamesTheField) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string conf = proxy->WriteRegistriesJson(dir_.path());
  // The tag's manifest, served as an OCI manifest with `body` instead of the real one.
  auto serve = [&](const std::string& body) {
    nlohmann::json headers = {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}};
    return proxy->SetRules(nlohmann::json::array({{{"path", "/manifests/latest"},
                                                   {"fault", "status"},
                                                   {"status", 200},
                                                   {"headers", headers},
                                                   {"body", body}}}));
  };
  ASSERT_TRUE(serve(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
      R"("digest":"sha256:abc","size":10},"layers":[]})"));
  std::string line = OneLineError(Pull({"alpine"}, conf));
  EXPECT_NE(line.find("config.digest"), std::string::npos) << line;

  ASSERT_TRUE(serve(R"({"schemaVersion": 2, "layers": [)"));
  line = OneLineError(Pull({"alpine"}, conf));
  EXPECT_NE(line.find("JSON"), std::string::npos) << line;
  ExpectStoreHoldsOnlyVerifiedBlobs();
}

TEST_F(PullHubTest, TooManyRequestsThenSuccess) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array({{{"path", "/manifests/latest"},
                                                      {"fault", "status"},
                                                      {"status", 429},
                                                      {"retry_after", 1},
                                                      {"times", 2}}})));
  auto start = std::chrono::steady_clock::now();
  auto r = Pull({"-q", "alpine"}, proxy->WriteRegistriesJson(dir_.path()));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<int> statuses;
  for (const auto& q : Requests(*proxy, "/manifests/latest")) {
    statuses.push_back(q["status"].is_number() ? q["status"].get<int>() : 0);
  }
  EXPECT_EQ(statuses, (std::vector<int>{429, 429, 200}));
  // Retry-After: 1 was honoured twice (a functional check, not a speed target).
  EXPECT_GE(took, std::chrono::seconds(2));
}

TEST_F(PullHubTest, RegistryDownFailsWithinSecondsNamingTheHost) {
  // A port nothing listens on: bind one, learn it, close it.
  auto port = RunCommand({"/usr/bin/python3", "-c",
                          "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); "
                          "print(s.getsockname()[1])"});
  ASSERT_TRUE(port && port->status.ok());
  std::string host = "127.0.0.1:" + TrimTrailing(port->out);
  fs::path conf = dir_.path() / "down.json";
  std::ofstream(conf)
      << nlohmann::json{{"registries", {{"docker.io", {{"location", host}}}}}}.dump();
  auto start = std::chrono::steady_clock::now();
  std::string line = OneLineError(Pull({"alpine"}, conf.string()));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(line.find(host), std::string::npos) << line;
  EXPECT_NE(line.find("connection refused"), std::string::npos) << line;
  EXPECT_LT(took, std::chrono::seconds(20)) << "bounded retries, not a hang";
  ExpectStoreHoldsOnlyVerifiedBlobs();
}

TEST_F(PullHubTest, ConnectionDroppedMidLayerResumesWithRange) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string big = hub_->Var("LAYERED_BIG_LAYER_DIGEST");
  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array(
      {CdnRule(big, {{"fault", "truncate"}, {"after", 65536}, {"times", 1}})})));
  auto r = Pull({"-q", "library/layered"}, proxy->WriteRegistriesJson(dir_.path()));
  ASSERT_EQ(r.status, 0) << r.err;
  auto gets = Requests(*proxy, Hex(big), "cdn");
  ASSERT_EQ(gets.size(), 2u) << proxy->Log().dump(1);
  EXPECT_TRUE(gets[0]["range"].is_null()) << gets[0];
  EXPECT_EQ(gets[1]["range"], "bytes=65536-") << "resumed, not restarted";
  EXPECT_EQ(gets[1]["authorization"], false) << "no credentials to the CDN";
  EXPECT_TRUE(fs::exists(root_ / "blobs" / "sha256" / Hex(big)));
}

TEST_F(PullHubTest, ServerIgnoringRangeRestartsTheBlobCorrectly) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string big = hub_->Var("LAYERED_BIG_LAYER_DIGEST");
  ASSERT_TRUE(proxy->SetRules(
      nlohmann::json::array({CdnRule(big, {{"fault", "truncate"}, {"after", 65536}, {"times", 1}}),
                             CdnRule(big, {{"fault", "ignore_range"}})})));
  auto r = Pull({"-q", "library/layered"}, proxy->WriteRegistriesJson(dir_.path()));
  ASSERT_EQ(r.status, 0) << r.err;
  auto gets = Requests(*proxy, Hex(big), "cdn");
  ASSERT_EQ(gets.size(), 2u) << proxy->Log().dump(1);
  EXPECT_EQ(gets[1]["status"], 200);
  auto verify = RunCommand({"sha256sum", (root_ / "blobs" / "sha256" / Hex(big)).string()});
  ASSERT_TRUE(verify);
  EXPECT_EQ(verify->out.substr(0, 64), Hex(big));
}

// ---- resume across berth runs, and concurrent pulls ----

TEST_F(PullHubTest, NextPullResumesWhatAFailedPullLeft) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string big = hub_->Var("LAYERED_BIG_LAYER_DIGEST");
  // Every answer for the big layer breaks after 64 KiB: the pull makes progress on each
  // attempt, then gives up.
  ASSERT_TRUE(proxy->SetRules(
      nlohmann::json::array({CdnRule(big, {{"fault", "truncate"}, {"after", 65536}})})));
  std::string conf = proxy->WriteRegistriesJson(dir_.path());
  std::string line = OneLineError(Pull({"library/layered"}, conf));
  EXPECT_NE(line.find("layer " + big), std::string::npos) << line;
  EXPECT_NE(line.find("gave up after"), std::string::npos) << line;
  ExpectStoreHoldsOnlyVerifiedBlobs();
  fs::path partial = root_ / "partial" / Hex(big);
  ASSERT_TRUE(fs::exists(partial));
  uintmax_t kept = fs::file_size(partial);
  EXPECT_GE(kept, 65536u);

  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array()));
  size_t before = Requests(*proxy, Hex(big), "cdn").size();
  auto r = Pull({"-q", "library/layered"}, conf);
  ASSERT_EQ(r.status, 0) << r.err;
  auto gets = Requests(*proxy, Hex(big), "cdn");
  ASSERT_EQ(gets.size(), before + 1) << proxy->Log().dump(1);
  EXPECT_EQ(gets.back()["range"], "bytes=" + std::to_string(kept) + "-");
  EXPECT_FALSE(fs::exists(partial));
  EXPECT_TRUE(fs::exists(root_ / "blobs" / "sha256" / Hex(big)));
}

TEST_F(PullHubTest, PullKilledMidLayerResumesInTheNextPull) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string big = hub_->Var("LAYERED_BIG_LAYER_DIGEST");
  // The first answer breaks after 64 KiB; the retry hangs (until berth is killed).
  ASSERT_TRUE(proxy->SetRules(
      nlohmann::json::array({CdnRule(big, {{"fault", "truncate"}, {"after", 65536}, {"times", 1}}),
                             CdnRule(big, {{"fault", "delay"}, {"seconds", 30}})})));
  std::string conf = proxy->WriteRegistriesJson(dir_.path());
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  SpawnOptions so;
  so.stdout_fd = devnull;
  so.stderr_fd = devnull;
  auto berth =
      ChildProcess::Spawn({BERTH_BINARY, "--root", root_.string(), "pull", "--registries-conf",
                           conf, "--cert-dir", hub_->cert_dir(), "library/layered"},
                          so);
  ::close(devnull);
  ASSERT_TRUE(berth);
  fs::path partial = root_ / "partial" / Hex(big);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::error_code ec;
  while ((fs::file_size(partial, ec) < 65536 || ec) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(fs::file_size(partial), 65536u);
  ASSERT_TRUE(berth->Kill(SIGKILL));
  ASSERT_TRUE(berth->Wait());

  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array()));
  size_t before = Requests(*proxy, Hex(big), "cdn").size();
  auto r = Pull({"-q", "library/layered"}, conf);
  ASSERT_EQ(r.status, 0) << r.err;
  auto gets = Requests(*proxy, Hex(big), "cdn");
  ASSERT_EQ(gets.size(), before + 1) << proxy->Log().dump(1);
  EXPECT_EQ(gets.back()["range"], "bytes=65536-");
  auto images = Berth({"images", "-q"});
  EXPECT_EQ(Lines(images.out).size(), 1u) << images.out;
}

TEST_F(PullHubTest, TwoConcurrentPullsDownloadEachBlobOnce) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  // Slow blob answers, so that both pulls are surely inside their downloads at once.
  ASSERT_TRUE(proxy->SetRules(nlohmann::json::array(
      {{{"path", "sha256"}, {"listener", "cdn"}, {"fault", "delay"}, {"seconds", 1}}})));
  std::string conf = proxy->WriteRegistriesJson(dir_.path());
  std::vector<std::string> args = {
      BERTH_BINARY,        "--root", root_.string(), "pull",           "-q",
      "--registries-conf", conf,     "--cert-dir",   hub_->cert_dir(), "library/layered"};
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  SpawnOptions so;
  so.stdout_fd = devnull;
  auto a = ChildProcess::Spawn(args, so);
  auto b = ChildProcess::Spawn(args, so);
  ::close(devnull);
  ASSERT_TRUE(a && b);
  auto ea = a->Wait();
  auto eb = b->Wait();
  ASSERT_TRUE(ea && eb);
  EXPECT_TRUE(ea->ok()) << ea->ToString();
  EXPECT_TRUE(eb->ok()) << eb->ToString();

  std::map<std::string, int> downloads;  // blob hex -> CDN GETs that sent bytes
  for (const auto& q : proxy->Log()) {
    if (q["listener"] != "cdn" || q["method"] != "GET") continue;
    std::string path = q["path"];
    path = path.substr(0, path.find('?'));
    downloads[path.substr(path.rfind('/') + 1)]++;
  }
  std::istringstream layers(hub_->Var("LAYERED_LAYER_DIGESTS"));
  std::string layer;
  int n = 0;
  for (; layers >> layer; ++n) EXPECT_EQ(downloads[Hex(layer)], 1) << layer;
  EXPECT_EQ(n, 4);
  EXPECT_EQ(downloads[Hex(hub_->Var("LAYERED_CONFIG_DIGEST"))], 1);
  auto images = Berth({"images", "-q"});
  EXPECT_EQ(Lines(images.out).size(), 1u) << images.out;
  EXPECT_TRUE(fs::is_empty(root_ / "partial"));
}

}  // namespace
}  // namespace berth::testing
