// The registry verbs as a user runs them against the Docker Hub replica: login / logout
// (checked against skopeo's reading of the auth file), push (digests kept, as skopeo sees
// them; blobs already there; cross-repository mount; chunked upload), `inspect --remote` and
// `manifest inspect` field by field against skopeo inspect. Pushes go only to
// berthtest/<test name>-<pid> repositories.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/store/digest.hpp"
#include "support/berth_cli.hpp"
#include "support/hub.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

std::string Sha256(const std::string& bytes) { return store::Digest::Of(bytes).String(); }

class RegistryCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BERTH_REQUIRE_HUB(hub);
    hub_ = hub;
    auto t = TempDir::Create(::testing::TempDir(), "registry-cli-");
    ASSERT_TRUE(t);
    dir_ = std::move(*t);
    root_ = dir_.path() / "root";
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    repo_ = "berthtest/" + name + "-" + std::to_string(::getpid());
  }

  // berth with this test's own XDG_RUNTIME_DIR and HOME: no credentials but its own.
  CliResult Berth(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    CliInput in = OwnCredentialDirs(dir_.path());
    in.stdin_text = stdin_text;
    return RunCli(BERTH_BINARY, root_, args, in);
  }
  // The replica's CA, and (unless `conf` is "") a registries.json.
  std::vector<std::string> Access(const std::string& conf) const {
    std::vector<std::string> a = {"--cert-dir", hub_->cert_dir()};
    if (!conf.empty()) {
      a.push_back("--registries-conf");
      a.push_back(conf);
    }
    return a;
  }
  static std::vector<std::string> Cat(std::vector<std::string> a,
                                      const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  std::string Creds() const { return hub_->creds(); }
  std::string AuthFile() const { return (dir_.path() / "auth.json").string(); }

  void PullOk(const std::string& image) {
    auto r = Berth(Cat({"pull", "-q"}, Cat(Access(hub_->registries_json()), {image})));
    ASSERT_EQ(r.status, 0) << r.err;
  }

  // skopeo with the replica's policy; stdout, or "" with a test failure.
  std::string Skopeo(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"skopeo", "--policy", (hub_->state / "policy.json").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunCommand(argv);
    EXPECT_TRUE(r && r->status.ok()) << "skopeo failed";
    return r && r->status.ok() ? r->out : "";
  }

  // The proxy's log entries whose path contains `part`, for `method` ("" for any).
  static std::vector<nlohmann::json> Requests(FaultProxy& p, const std::string& method,
                                              const std::string& part) {
    std::vector<nlohmann::json> out;
    for (const auto& r : p.Log()) {
      if (!r["path"].is_string()) continue;
      if (!method.empty() && r["method"] != method) continue;
      if (r["path"].get<std::string>().find(part) != std::string::npos) out.push_back(r);
    }
    return out;
  }

  std::unique_ptr<FaultProxy> Proxy() {
    std::string error;
    auto p = FaultProxy::Start(
        *hub_, ::testing::UnitTest::GetInstance()->current_test_info()->name(), &error);
    EXPECT_NE(p, nullptr) << error;
    return p;
  }

  const Hub* hub_ = nullptr;
  TempDir dir_;
  fs::path root_;
  std::string repo_;
};

// ---- login / logout ----

TEST_F(RegistryCliTest, LoginWritesPodmansAuthJsonThatSkopeoReads) {
  std::string front = hub_->front();
  auto r = Berth(Cat({"login"}, Cat(Access(""), {"-u", hub_->Var("HUB_USER"), "-p",
                                                 hub_->Var("HUB_PASS"), front})));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Login Succeeded!\n");
  EXPECT_EQ(r.err.find(hub_->Var("HUB_PASS")), std::string::npos) << "never echoed";

  // ${XDG_RUNTIME_DIR}/containers/auth.json, 0600, podman's shape.
  fs::path file = dir_.path() / "xdg" / "containers" / "auth.json";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto j = nlohmann::json::parse(ReadText(file));
  auto b64 = RunCommand({"sh", "-c", "printf %s \"$0\" | base64 -w0", Creds()});
  ASSERT_TRUE(b64 && b64->status.ok());
  EXPECT_EQ(j["auths"][front]["auth"], b64->out) << j.dump();

  EXPECT_EQ(Skopeo({"login", "--get-login", "--authfile", file.string(), front}),
            hub_->Var("HUB_USER") + "\n");
  EXPECT_EQ(Berth({"login", "--get-login", front}).out, hub_->Var("HUB_USER") + "\n");
  // skopeo authenticates with it (its inspect reads the same file).
  auto inspect = nlohmann::json::parse(
      Skopeo({"inspect", "--no-tags", "--authfile", file.string(), "--cert-dir", hub_->cert_dir(),
              "docker://" + front + "/library/alpine:latest"}));
  EXPECT_EQ(inspect["Digest"], hub_->Var("ALPINE_INDEX_DIGEST"));
}

TEST_F(RegistryCliTest, LoginWithAWrongPasswordIsOneLineAndSavesNothing) {
  std::string front = hub_->front();
  auto r = Berth(Cat({"login", "--authfile", AuthFile()},
                     Cat(Access(""), {"-u", hub_->Var("HUB_USER"), "-p", "wrong-pass", front})));
  std::string line = OneLineError(r);
  EXPECT_EQ(line, "berth: login " + front + ": authenticate to " + front +
                      ": incorrect username or password (HTTP 401)");
  EXPECT_EQ(r.err.find("wrong-pass"), std::string::npos) << "never print a password";
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(AuthFile()));
}

TEST_F(RegistryCliTest, LoginReadsThePasswordFromStdin) {
  std::string front = hub_->front();
  auto args =
      Cat({"login", "--authfile", AuthFile(), "-u", hub_->Var("HUB_USER"), "--password-stdin"},
          Cat(Access(""), {front}));
  auto bad = Berth(args, "not-the-password\n");
  EXPECT_NE(OneLineError(bad).find("incorrect username or password"), std::string::npos);
  EXPECT_FALSE(fs::exists(AuthFile()));

  auto good = Berth(args, hub_->Var("HUB_PASS") + "\n");
  ASSERT_EQ(good.status, 0) << good.err;
  EXPECT_EQ(good.out, "Login Succeeded!\n");
  EXPECT_EQ(Skopeo({"login", "--get-login", "--authfile", AuthFile(), front}),
            hub_->Var("HUB_USER") + "\n");

  // No flags at all, and the saved credentials still work: podman's "already logged in".
  auto again = Berth(Cat({"login", "--authfile", AuthFile()}, Cat(Access(""), {front})));
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("Existing credentials are valid. Already logged in to " + front),
            std::string::npos)
      << again.out;
}

// Drives a command on a pseudo-terminal: answers each prompt in $ANSWERS (";"-separated
// "PROMPT=REPLY") once it shows, then prints everything the terminal showed and the exit code.
constexpr const char* kPtyDriver = R"PY(
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
def read_until(marker):
    global out
    while marker is None or marker not in out:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return
        if not chunk:
            return
        out += chunk
for pair in os.environ["ANSWERS"].split(";"):
    prompt, reply = pair.split("=", 1)
    read_until(prompt.encode())
    os.write(fd, reply.encode() + b"\n")
read_until(None)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("exit=%d" % os.waitstatus_to_exitcode(status))
)PY";

TEST_F(RegistryCliTest, LoginOnATerminalPromptsAndNeverEchoesThePassword) {
  std::string pass = hub_->Var("HUB_PASS");
  std::vector<std::string> argv = {
      "env",
      "ANSWERS=Username: =" + hub_->Var("HUB_USER") + ";Password: =" + pass,
      "/usr/bin/python3",
      "-c",
      kPtyDriver,
      BERTH_BINARY,
      "--root",
      root_.string(),
      "login",
      "--authfile",
      AuthFile(),
      "--cert-dir",
      hub_->cert_dir(),
      hub_->front()};
  auto r = RunCommand(argv);
  ASSERT_TRUE(r);
  EXPECT_NE(r->out.find("Username: " + hub_->Var("HUB_USER")), std::string::npos)
      << "the username echoes: " << r->out;
  EXPECT_NE(r->out.find("Password: "), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find(pass), std::string::npos) << "the password never shows: " << r->out;
  EXPECT_NE(r->out.find("Login Succeeded!"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("exit=0"), std::string::npos) << r->out;
  EXPECT_EQ(Skopeo({"login", "--get-login", "--authfile", AuthFile(), hub_->front()}),
            hub_->Var("HUB_USER") + "\n");
}

TEST_F(RegistryCliTest, LoginWithoutPasswordOrTerminalFailsClearly) {
  auto r = Berth(Cat({"login", "-u", "someone"}, Cat(Access(""), {hub_->front()})));
  std::string line = OneLineError(r);
  EXPECT_NE(line.find("no password given and stdin is not a terminal"), std::string::npos) << line;
  auto both = Berth(
      Cat({"login", "-u", "a", "-p", "b", "--password-stdin"}, Cat(Access(""), {hub_->front()})),
      "b\n");
  EXPECT_NE(OneLineError(both).find("cannot be used together"), std::string::npos);
}

TEST_F(RegistryCliTest, LoginToDockerIoTalksToItsLocation) {
  // registries.json sends docker.io to the replica: the credentials are checked there and
  // kept under "docker.io", where a later push finds them.
  auto r = Berth(Cat(
      {"login", "--authfile", AuthFile(), "-u", hub_->Var("HUB_USER"), "-p", hub_->Var("HUB_PASS")},
      Access(hub_->registries_json())));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(ReadText(AuthFile()));
  EXPECT_TRUE(j["auths"].contains("docker.io")) << j.dump();
  EXPECT_EQ(j["auths"].size(), 1u);

  auto bad = Berth(Cat({"login", "--authfile", AuthFile(), "-u", "nobody", "-p", "x"},
                       Cat(Access(hub_->registries_json()), {"docker.io"})));
  std::string line = OneLineError(bad);
  EXPECT_NE(line.find("berth: login docker.io: authenticate to " + hub_->front()),
            std::string::npos)
      << line;
}

TEST_F(RegistryCliTest, LogoutRemovesTheCredentialsOnce) {
  std::string front = hub_->front();
  ASSERT_EQ(Berth(Cat({"login", "--authfile", AuthFile(), "-u", hub_->Var("HUB_USER"), "-p",
                       hub_->Var("HUB_PASS")},
                      Cat(Access(""), {front})))
                .status,
            0);
  auto out = Berth({"logout", "--authfile", AuthFile(), front});
  ASSERT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.out, "Removed login credentials for " + front + "\n");
  auto get = RunCommand({"skopeo", "login", "--get-login", "--authfile", AuthFile(), front});
  ASSERT_TRUE(get);
  EXPECT_FALSE(get->status.ok()) << "skopeo sees no login: " << get->out;

  std::string line = OneLineError(Berth({"logout", "--authfile", AuthFile(), front}));
  EXPECT_NE(line.find("berth: logout " + front + ": "), std::string::npos) << line;
  EXPECT_NE(line.find("not logged into " + front), std::string::npos) << line;
  line = OneLineError(Berth({"login", "--get-login", "--authfile", AuthFile(), front}));
  EXPECT_NE(line.find("not logged into " + front), std::string::npos) << line;

  auto all = Berth({"logout", "--all"});
  ASSERT_EQ(all.status, 0) << all.err;
  EXPECT_EQ(all.out, "Removed login credentials for all registries\n");
}

// ---- push ----

TEST_F(RegistryCliTest, PushKeepsTheDigestAsSkopeoSeesIt) {
  PullOk("alpine");
  std::string dest = hub_->front() + "/" + repo_ + ":v1";
  fs::path digestfile = dir_.path() / "digest";
  auto r = Berth(Cat({"push", "--creds", Creds(), "--digestfile", digestfile.string()},
                     Cat(Access(""), {"alpine", "docker://" + dest})));
  ASSERT_EQ(r.status, 0) << r.err;
  std::string host_digest = hub_->Var("ALPINE_HOST_DIGEST");
  EXPECT_EQ(r.out, host_digest + "\n") << "the stored platform manifest, byte for byte";
  EXPECT_EQ(ReadText(digestfile), host_digest);
  auto lines = Lines(r.err);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(), "Getting image source signatures");
  EXPECT_EQ(lines.back(), "Writing manifest to image destination");
  EXPECT_NE(r.err.find("Copying config "), std::string::npos) << r.err;

  auto seen = nlohmann::json::parse(
      Skopeo({"inspect", "--cert-dir", hub_->cert_dir(), "docker://" + dest}));
  EXPECT_EQ(seen["Digest"], host_digest);
  EXPECT_EQ(seen["Layers"], nlohmann::json::array({hub_->Var("ALPINE_LAYER_DIGEST")}));

  // skopeo copies it to an OCI layout with the same layer digests.
  fs::path oci = dir_.path() / "oci";
  Skopeo({"copy", "-q", "--src-cert-dir", hub_->cert_dir(), "docker://" + dest,
          "oci:" + oci.string() + ":v1"});
  auto index = nlohmann::json::parse(ReadText(oci / "index.json"));
  std::string m = index["manifests"][0]["digest"];
  EXPECT_EQ(m, host_digest);
  auto manifest = nlohmann::json::parse(ReadText(oci / "blobs" / "sha256" / m.substr(7)));
  ASSERT_EQ(manifest["layers"].size(), 1u);
  EXPECT_EQ(manifest["layers"][0]["digest"], hub_->Var("ALPINE_LAYER_DIGEST"));
}

TEST_F(RegistryCliTest, SecondPushFindsEveryBlobThere) {
  PullOk("library/layered");
  auto args = Cat({"push", "--creds", Creds()},
                  Cat(Access(""), {"layered", hub_->front() + "/" + repo_ + ":v1"}));
  auto first = Berth(args);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(first.out, hub_->Var("LAYERED_DIGEST") + "\n");
  auto second = Berth(args);
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
  int exists = 0;
  for (const auto& line : Lines(second.err)) {
    if (line.rfind("Copying blob ", 0) != 0) continue;
    EXPECT_TRUE(line.ends_with(" skipped: already exists")) << line;
    ++exists;
  }
  EXPECT_EQ(exists, 4) << second.err;
}

TEST_F(RegistryCliTest, CrossRepositoryMountUploadsNoBlob) {
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  std::string conf = proxy->WriteRegistriesJson(dir_.path());
  // Pulled as docker.io/library/alpine and pushed to docker.io/berthtest/...: the same
  // registry, so the registry is asked to mount the blobs from library/alpine.
  auto pull = Berth(Cat({"pull", "-q"}, Cat(Access(conf), {"alpine"})));
  ASSERT_EQ(pull.status, 0) << pull.err;
  auto r = Berth(Cat({"push", "--creds", Creds()},
                     Cat(Access(conf), {"alpine", "docker.io/" + repo_ + ":v1"})));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, hub_->Var("ALPINE_HOST_DIGEST") + "\n");

  std::string layer = hub_->Var("ALPINE_LAYER_DIGEST");
  auto mounts = Requests(*proxy, "POST", "/v2/" + repo_ + "/blobs/uploads/?mount=");
  ASSERT_EQ(mounts.size(), 2u) << proxy->Log().dump(1);  // the layer and the config
  EXPECT_EQ(mounts[0]["path"],
            "/v2/" + repo_ + "/blobs/uploads/?mount=" + layer + "&from=library/alpine");
  for (const auto& m : mounts) EXPECT_EQ(m["status"], 201) << m;
  for (const auto& q : Requests(*proxy, "", "/blobs/uploads/")) {
    EXPECT_EQ(q["method"], "POST") << "no PATCH or PUT of a blob body: " << q;
    EXPECT_EQ(q["body_bytes"], 0) << q;
  }
  EXPECT_EQ(Requests(*proxy, "PUT", "/v2/" + repo_ + "/manifests/v1").size(), 1u);
  EXPECT_NE(r.err.find("Copying blob " + layer.substr(7, 12) + " skipped: already exists"),
            std::string::npos)
      << r.err;
}

TEST_F(RegistryCliTest, ChunkSizeForcesPatchUploadsOfTheBigLayer) {
  PullOk("library/layered");
  auto proxy = Proxy();
  ASSERT_TRUE(proxy);
  // Straight to the proxy's address: another registry name, so nothing to mount from.
  std::string dest = proxy->address() + "/" + repo_ + ":v1";
  auto r = Berth(Cat({"push", "--chunk-size", "1MiB", "--creds", Creds()},
                     Cat(Access(""), {"layered", dest})));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, hub_->Var("LAYERED_DIGEST") + "\n");

  std::string big = hub_->Var("LAYERED_BIG_LAYER_DIGEST");
  int64_t size = std::stoll(hub_->Var("LAYERED_BIG_LAYER_SIZE"));
  ASSERT_GT(size, 2 << 20);
  auto closes = Requests(*proxy, "PUT", "digest=" + big);
  ASSERT_EQ(closes.size(), 1u) << proxy->Log().dump(1);
  EXPECT_EQ(closes[0]["body_bytes"], 0) << "the bytes went in the PATCHes";
  EXPECT_EQ(closes[0]["status"], 201);
  std::string session = closes[0]["path"].get<std::string>();
  session = session.substr(0, session.find('?'));
  auto patches = Requests(*proxy, "PATCH", session);
  ASSERT_EQ(patches.size(), 3u) << "1 MiB chunks of a 2 MiB+ blob";
  int64_t start = 0;
  for (const auto& p : patches) {
    int64_t len = std::min<int64_t>(1 << 20, size - start);
    EXPECT_EQ(p["content_range"], std::to_string(start) + "-" + std::to_string(start + len - 1));
    EXPECT_EQ(p["body_bytes"], len);
    EXPECT_EQ(p["status"], 202);
    start += len;
  }
  // Small blobs still go in one PUT.
  for (const auto& q : Requests(*proxy, "PUT", "/blobs/uploads/")) {
    if (q["path"].get<std::string>().find(big) == std::string::npos) {
      EXPECT_GT(q["body_bytes"].get<int64_t>(), 0) << q;
    }
  }
  auto seen = nlohmann::json::parse(
      Skopeo({"inspect", "--no-tags", "--cert-dir", hub_->cert_dir(), "docker://" + dest}));
  EXPECT_EQ(seen["Digest"], hub_->Var("LAYERED_DIGEST"));
}

TEST_F(RegistryCliTest, AnonymousPushIsRefusedInOneLine) {
  PullOk("alpine");
  std::string dest = hub_->front() + "/" + repo_ + ":v1";
  auto r = Berth(Cat({"push"}, Cat(Access(""), {"alpine", dest})));
  std::string line = OneLineError(r);
  EXPECT_NE(line.find("berth: push " + dest + ": "), std::string::npos) << line;
  EXPECT_NE(line.find("(HTTP 401)"), std::string::npos) << line;
  EXPECT_NE(line.find("insufficient scope"), std::string::npos) << line;
  EXPECT_NE(line.find("the registry wants repository:" + repo_ + ":"), std::string::npos) << line;
  EXPECT_NE(line.find("hint: pushing needs credentials"), std::string::npos) << line;
  auto head = RunCommand(
      {"skopeo", "inspect", "--no-tags", "--cert-dir", hub_->cert_dir(), "docker://" + dest});
  ASSERT_TRUE(head);
  EXPECT_FALSE(head->status.ok()) << "nothing was pushed";
}

// ---- inspect --remote, manifest inspect ----

TEST_F(RegistryCliTest, InspectRemoteMatchesSkopeoFieldByField) {
  for (std::string image : {"library/alpine:latest", "library/layered:latest"}) {
    SCOPED_TRACE(image);
    std::string ref = hub_->front() + "/" + image;
    auto r = Berth(Cat({"inspect", "--remote"}, Cat(Access(""), {ref})));
    ASSERT_EQ(r.status, 0) << r.err;
    auto ours = nlohmann::ordered_json::parse(r.out);
    auto theirs = nlohmann::ordered_json::parse(
        Skopeo({"inspect", "--cert-dir", hub_->cert_dir(), "docker://" + ref}));
    std::vector<std::string> their_keys, our_keys;
    for (const auto& [k, v] : theirs.items()) {
      their_keys.push_back(k);
      EXPECT_EQ(ours[k], v) << k;
    }
    for (const auto& [k, v] : ours.items()) {
      if (theirs.contains(k)) our_keys.push_back(k);
    }
    EXPECT_EQ(our_keys, their_keys) << "same keys, same order";

    // LayersData (newer skopeo prints it; this one does not): the platform manifest's layers.
    auto raw = nlohmann::json::parse(
        Skopeo({"inspect", "--raw", "--cert-dir", hub_->cert_dir(), "docker://" + ref}));
    if (raw.contains("manifests")) {  // the index: take the host's manifest
      std::string host = hub_->Var("ALPINE_HOST_DIGEST");
      raw =
          nlohmann::json::parse(Skopeo({"inspect", "--raw", "--cert-dir", hub_->cert_dir(),
                                        "docker://" + hub_->front() + "/library/alpine@" + host}));
    }
    ASSERT_EQ(ours["LayersData"].size(), raw["layers"].size());
    for (size_t i = 0; i < raw["layers"].size(); ++i) {
      EXPECT_EQ(ours["LayersData"][i]["MIMEType"], raw["layers"][i]["mediaType"]);
      EXPECT_EQ(ours["LayersData"][i]["Digest"], raw["layers"][i]["digest"]);
      EXPECT_EQ(ours["LayersData"][i]["Size"], raw["layers"][i]["size"]);
      EXPECT_TRUE(ours["LayersData"][i]["Annotations"].is_null());
    }
  }
}

TEST_F(RegistryCliTest, InspectRemoteThroughDockerIoNamesAndNoTags) {
  auto r = Berth(
      Cat({"inspect", "--remote", "--no-tags"}, Cat(Access(hub_->registries_json()), {"alpine"})));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["Name"], "docker.io/library/alpine");
  EXPECT_EQ(j["Digest"], hub_->Var("ALPINE_INDEX_DIGEST"));
  EXPECT_EQ(j["RepoTags"], nlohmann::json::array());
  EXPECT_EQ(j["Architecture"], "amd64");

  auto arm = Berth(Cat({"inspect", "--remote", "--no-tags", "--platform", "linux/arm64/v8"},
                       Cat(Access(hub_->registries_json()), {"alpine"})));
  ASSERT_EQ(arm.status, 0) << arm.err;
  auto a = nlohmann::json::parse(arm.out);
  EXPECT_EQ(a["Architecture"], "arm64");
  EXPECT_EQ(a["Variant"], "v8");

  auto missing = Berth(
      Cat({"inspect", "--remote"}, Cat(Access(hub_->registries_json()), {"alpine:no-such-tag"})));
  std::string line = OneLineError(missing);
  EXPECT_NE(line.find("manifest unknown"), std::string::npos) << line;
}

TEST_F(RegistryCliTest, RawManifestBytesHashToTheDigest) {
  std::string alpine = hub_->front() + "/library/alpine:latest";
  auto raw = Berth(Cat({"inspect", "--remote", "--raw"}, Cat(Access(""), {alpine})));
  ASSERT_EQ(raw.status, 0) << raw.err;
  EXPECT_EQ(Sha256(raw.out), hub_->Var("ALPINE_INDEX_DIGEST")) << "the index, as served";
  EXPECT_EQ(raw.out,
            Skopeo({"inspect", "--raw", "--cert-dir", hub_->cert_dir(), "docker://" + alpine}));

  auto manifest = Berth(Cat({"manifest", "inspect", "--raw"}, Cat(Access(""), {alpine})));
  ASSERT_EQ(manifest.status, 0) << manifest.err;
  EXPECT_EQ(manifest.out, raw.out);
  auto pretty = Berth(Cat({"manifest", "inspect"}, Cat(Access(""), {alpine})));
  ASSERT_EQ(pretty.status, 0) << pretty.err;
  EXPECT_EQ(nlohmann::json::parse(pretty.out), nlohmann::json::parse(raw.out));
  EXPECT_NE(pretty.out.find("\n    \"schemaVersion\": 2"), std::string::npos) << pretty.out;

  std::string layered = hub_->front() + "/library/layered:latest";
  auto m = Berth(Cat({"manifest", "inspect", "--raw"}, Cat(Access(""), {layered})));
  ASSERT_EQ(m.status, 0) << m.err;
  EXPECT_EQ(Sha256(m.out), hub_->Var("LAYERED_DIGEST"));
  auto config =
      Berth(Cat({"inspect", "--remote", "--config", "--raw"}, Cat(Access(""), {layered})));
  ASSERT_EQ(config.status, 0) << config.err;
  EXPECT_EQ(Sha256(config.out), hub_->Var("LAYERED_CONFIG_DIGEST"));
}

}  // namespace
}  // namespace berth::testing
