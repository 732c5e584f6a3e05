// CommitContainer against a temp store: a base image made from TarBuilder layers, a
// container record made by ContainerStore, and an upper dir written by hand in overlay form.
// Whiteouts (0/0 devices) and opaque dirs (trusted.overlay.opaque) need privileges: those
// parts are probed and skipped (or failed with BERTH_TEST_REQUIRE_PRIVILEGED=1).
#include "berth/runner/container_commit.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/runner/container_store.hpp"
#include "berth/store/store.hpp"
#include "support/tar_builder.hpp"
#include "support/tree_dump.hpp"
#include "unit/store/layer_commit_fixture.hpp"

namespace berth::runner {
namespace {

namespace media = store::media;
using berth::testing::TarBuilder;
using berth::testing::TarCompression;
using store::Digest;

constexpr int64_t kCreatedNs = 1718000000123456789;  // 2024-06-10T06:13:20.123456789Z

struct BaseKind {
  std::string manifest, config, layer;
};
const BaseKind kOci{std::string(media::kOciManifest), std::string(media::kOciConfig),
                    std::string(media::kOciLayerGzip)};
const BaseKind kDocker{std::string(media::kDockerManifest), std::string(media::kDockerConfig),
                       std::string(media::kDockerLayerGzip)};

// Puts the layers, a config and a manifest of `kind` into the store's blobs.
Digest PutImage(store::Store& s, const std::vector<TarBuilder>& layers, const BaseKind& kind) {
  nlohmann::json config = {{"architecture", "amd64"},
                           {"os", "linux"},
                           {"created", "2024-01-02T03:04:05Z"},
                           {"author", "base author"}};
  config["config"] = {{"Env", {"PATH=/bin"}}, {"Cmd", {"sh"}}, {"WorkingDir", "/srv"}};
  nlohmann::json diff_ids = nlohmann::json::array(), descs = nlohmann::json::array();
  nlohmann::json history = nlohmann::json::array();
  for (const auto& l : layers) {
    std::string gz = l.Build(TarCompression::kGzip);
    diff_ids.push_back(berth::testing::Sha256String(l.Build()));
    auto d = s.blobs().Put(gz);
    EXPECT_TRUE(d);
    descs.push_back({{"mediaType", kind.layer}, {"digest", d->String()}, {"size", gz.size()}});
    history.push_back({{"created", "2024-01-02T03:04:05Z"}, {"created_by", "ADD base"}});
  }
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  config["history"] = history;
  std::string config_json = config.dump();
  auto cd = s.blobs().Put(config_json);
  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kind.manifest},
      {"config",
       {{"mediaType", kind.config}, {"digest", cd->String()}, {"size", config_json.size()}}},
      {"layers", descs}};
  auto md = s.blobs().Put(manifest.dump());
  EXPECT_TRUE(md);
  return *md;
}

class ContainerCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(fs::temp_directory_path(), "berth-commit-ctr-");
    ASSERT_TRUE(t) << t.error().ToString();
    dir_ = std::move(*t);
    auto s = store::Store::Open(Root());
    ASSERT_TRUE(s) << s.error().ToString();
    store_.emplace(std::move(*s));
    // Owned by the caller, so that the store can unpack it without root.
    auto add = [&](const std::string& name, char type, const std::string& data, mode_t mode) {
      base_layer_.Add({.name = name,
                       .type = type,
                       .data = data,
                       .mode = mode,
                       .uid = ::getuid(),
                       .gid = ::getgid()});
    };
    add("bin", '5', "", 0755);
    add("bin/sh", '0', "#!shell\n", 0755);
    add("bin/ls", '0', "ls\n", 0755);
    add("etc", '5', "", 0755);
    add("etc/os-release", '0', "ID=base\n", 0644);
    add("opaq", '5', "", 0755);
    add("opaq/old", '0', "old\n", 0644);
  }

  fs::path Root() const { return dir_.path() / "root"; }
  fs::path Upper() const { return ContainerStore(Root()).Dir(container_.id) / "upper"; }

  // A base image named base:1 and a container "c" on it, holding it as `berth run` does.
  void MakeContainer(const BaseKind& kind = kOci) {
    base_manifest_ = PutImage(*store_, {base_layer_}, kind);
    auto base = store_->CommitImage(base_manifest_, {"docker.io/library/base:1"});
    ASSERT_TRUE(base) << base.error().ToString();
    base_ = *base;
    ContainerRecord rec;
    rec.name = "c";
    rec.image = "base:1";
    rec.image_id = base->config.String();
    rec.image_manifest = base->manifest.String();
    rec.command = {"sh", "-c", "echo hi > /hello"};
    auto made = ContainerStore(Root()).Create(rec);
    ASSERT_TRUE(made) << made.error().ToString();
    container_ = *made;
    ASSERT_TRUE(store_->HoldImage(container_.id, *base));
  }

  void Write(const std::string& rel, const std::string& data, mode_t mode = 0644) {
    fs::path p = Upper() / rel;
    ASSERT_TRUE(MakeDirs(p.parent_path()));
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    ASSERT_GE(fd, 0) << p;
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ::close(fd);
  }
  // A whiteout of `rel`, or the reason it cannot be made here.
  std::string Whiteout(const std::string& rel) {
    fs::path p = Upper() / rel;
    (void)MakeDirs(p.parent_path());
    if (::mknod(p.c_str(), S_IFCHR | 0600, makedev(0, 0)) != 0) {
      return std::string("mknod 0/0: ") + std::strerror(errno);
    }
    return "";
  }
  std::string Opaque(const std::string& rel) {
    fs::path p = Upper() / rel;
    (void)MakeDirs(p);
    if (::setxattr(p.c_str(), "trusted.overlay.opaque", "y", 1, 0) != 0) {
      return std::string("set trusted.overlay.opaque: ") + std::strerror(errno);
    }
    return "";
  }

  Result<CommitContainerResult> Commit(CommitContainerOptions o) {
    if (o.container.empty()) o.container = "c";
    if (!o.created_ns) o.created_ns = kCreatedNs;
    return CommitContainer(Root(), o);
  }
  store::ImageView Read(const store::ImageRecord& r) {
    auto v = store_->ReadImage(r);
    EXPECT_TRUE(v) << v.error().ToString();
    return v ? *v : store::ImageView{};
  }
  std::vector<std::string> LayerEntries(const Digest& blob) {
    auto data = store_->blobs().Read(blob, 64 << 20);
    EXPECT_TRUE(data) << data.error().ToString();
    std::vector<std::string> names;
    for (const std::string& line : store::commit_test::ListTar(data ? *data : "")) {
      names.push_back(line.substr(0, line.find(' ')));
    }
    return names;
  }
  size_t Count(const char* sub) {
    auto names = ListDir(Root() / sub);
    return names ? names->size() : 0;
  }

  TempDir dir_;
  std::optional<store::Store> store_;
  TarBuilder base_layer_;
  Digest base_manifest_;
  store::ImageRecord base_;
  ContainerRecord container_;
};

TEST_F(ContainerCommitTest, UpperDirBecomesTheTopLayerOfANamedImage) {
  MakeContainer();
  Write("hello", "hi\n");
  Write("etc/os-release", "ID=changed\n");
  std::string why = Whiteout("bin/ls");
  if (why.empty()) why = Opaque("opaq");
  if (!why.empty()) return store::commit_test::SkipOrFail(why);
  Write("opaq/new", "new\n");

  auto r = Commit({.image_name = "localhost/committed:1",
                   .author = "me <me@example.com>",
                   .message = "first commit"});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->image.names, std::vector<std::string>{"localhost/committed:1"});
  EXPECT_FALSE(r->was_running);
  store::ImageView v = Read(r->image);
  store::ImageView base = Read(base_);

  // Manifest: the base's layers plus the new gzip layer, OCI like the base.
  EXPECT_EQ(v.manifest.media_type, media::kOciManifest);
  EXPECT_EQ(v.manifest.config.media_type, media::kOciConfig);
  ASSERT_EQ(v.manifest.layers.size(), 2u);
  EXPECT_EQ(v.manifest.layers[0], base.manifest.layers[0]);
  EXPECT_EQ(v.manifest.layers[1].media_type, media::kOciLayerGzip);
  EXPECT_EQ(v.manifest.layers[1].digest, r->layer_digest);
  EXPECT_EQ(v.manifest.layers[1].size, static_cast<int64_t>(r->layer_size));
  EXPECT_EQ(*store_->blobs().Size(r->layer_digest), r->layer_size);
  EXPECT_EQ(v.manifest.annotations.at("org.opencontainers.image.base.digest"),
            base_manifest_.String());
  EXPECT_EQ(v.manifest.annotations.at("org.opencontainers.image.base.name"),
            "docker.io/library/base:1");

  // Config: the base's, with the new diff_id, created now and one more history entry.
  EXPECT_EQ(v.config.diff_ids,
            (std::vector<store::DiffId>{base.config.diff_ids[0], r->layer_diff_id}));
  EXPECT_EQ(v.config.created, "2024-06-10T06:13:20.123456789Z");
  EXPECT_EQ(v.config.author, "me <me@example.com>");
  EXPECT_EQ(v.config.architecture, "amd64");
  EXPECT_EQ(v.config.config.cmd, std::vector<std::string>{"sh"});
  EXPECT_EQ(v.config.config.working_dir, "/srv");
  ASSERT_EQ(v.config.history.size(), 2u);
  EXPECT_EQ(v.config.history[0].created_by, "ADD base");
  const store::HistoryEntry& h = v.config.history[1];
  EXPECT_EQ(h.created, v.config.created);
  EXPECT_EQ(h.created_by, "sh -c echo hi > /hello");
  EXPECT_EQ(h.author, "me <me@example.com>");
  EXPECT_EQ(h.comment, "first commit");
  EXPECT_FALSE(h.empty_layer);

  // The layer: whiteout and opaque marker as .wh. entries, in layer order.
  EXPECT_EQ(LayerEntries(r->layer_digest),
            (std::vector<std::string>{"bin/", "bin/.wh.ls", "etc/", "etc/os-release", "hello",
                                      "opaq/", "opaq/.wh..wh..opq", "opaq/new"}));
  // ... unpacked in the store for the next run, in overlay form again.
  ASSERT_TRUE(store_->layers().Has(r->layer_diff_id));
  fs::path diff = store_->layers().DiffDir(r->layer_diff_id);
  auto hello = ReadFile(diff / "hello");
  EXPECT_TRUE(hello && *hello == "hi\n");
  struct stat st;
  ASSERT_EQ(::lstat((diff / "bin/ls").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == 0) << berth::testing::DumpTree(diff);

  // The base image is untouched and nothing is left in tmp/.
  auto again = store_->FindImage("base:1");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->manifest, base_manifest_);
  EXPECT_EQ(Count("tmp"), 0u);
  EXPECT_EQ(store_->FindImage("localhost/committed:1")->config, r->image.config);
}

TEST_F(ContainerCommitTest, WithoutANameTheImageIsDangling) {
  MakeContainer();
  Write("hello", "hi\n");
  auto r = Commit({});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->image.names.empty());
  auto images = store_->images().List();
  ASSERT_TRUE(images);
  EXPECT_EQ(images->size(), 2u);
  EXPECT_TRUE(store_->FindImage(r->image.config.hex()));
  EXPECT_EQ(LayerEntries(r->layer_digest), std::vector<std::string>{"hello"});
}

TEST_F(ContainerCommitTest, AnUnchangedContainerGivesAnEmptyLayer) {
  MakeContainer();
  auto r = Commit({.image_name = "empty"});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(LayerEntries(r->layer_digest).empty());
  EXPECT_EQ(Read(r->image).config.diff_ids.size(), 2u);
  EXPECT_EQ(r->image.names, std::vector<std::string>{"docker.io/library/empty:latest"});
}

TEST_F(ContainerCommitTest, DockerBaseGivesDockerImageUnlessOciIsAsked) {
  MakeContainer(kDocker);
  Write("hello", "hi\n");
  auto r = Commit({.image_name = "d:1"});
  ASSERT_TRUE(r) << r.error().ToString();
  store::ImageView v = Read(r->image);
  EXPECT_EQ(v.manifest.media_type, media::kDockerManifest);
  EXPECT_EQ(v.manifest.config.media_type, media::kDockerConfig);
  for (const auto& l : v.manifest.layers) EXPECT_EQ(l.media_type, media::kDockerLayerGzip);
  EXPECT_TRUE(v.manifest.annotations.empty());

  auto oci = Commit({.image_name = "o:1", .format = CommitFormat::kOci});
  ASSERT_TRUE(oci) << oci.error().ToString();
  store::ImageView o = Read(oci->image);
  EXPECT_EQ(o.manifest.media_type, media::kOciManifest);
  EXPECT_EQ(o.manifest.config.media_type, media::kOciConfig);
  for (const auto& l : o.manifest.layers) EXPECT_EQ(l.media_type, media::kOciLayerGzip);
  // Same upper dir, same layer.
  EXPECT_EQ(oci->layer_digest, r->layer_digest);
}

TEST_F(ContainerCommitTest, ChangesEditTheConfig) {
  MakeContainer();
  auto r = Commit({.image_name = "changed",
                   .changes = {"CMD [\"/hello\", \"x\"]", "ENV A=1 PATH=/usr/bin", "WORKDIR sub",
                               "EXPOSE 80", "LABEL k=v", "USER 1000:1000", "STOPSIGNAL SIGINT",
                               "VOLUME /data", "ENTRYPOINT=/init"}});
  ASSERT_TRUE(r) << r.error().ToString();
  const store::ContainerConfig& c = Read(r->image).config.config;
  EXPECT_EQ(c.cmd, (std::vector<std::string>{"/hello", "x"}));
  EXPECT_EQ(c.entrypoint, (std::vector<std::string>{"/bin/sh", "-c", "/init"}));
  EXPECT_EQ(c.env, (std::vector<std::string>{"PATH=/usr/bin", "A=1"}));
  EXPECT_EQ(c.working_dir, "/srv/sub");
  EXPECT_EQ(c.exposed_ports, std::vector<std::string>{"80/tcp"});
  EXPECT_EQ(c.labels.at("k"), "v");
  EXPECT_EQ(c.user, "1000:1000");
  EXPECT_EQ(c.stop_signal, "SIGINT");
  EXPECT_EQ(c.volumes, std::vector<std::string>{"/data"});
}

TEST_F(ContainerCommitTest, NameMovesFromTheImageThatHadIt) {
  MakeContainer();
  auto first = Commit({.image_name = "x:1"});
  ASSERT_TRUE(first) << first.error().ToString();
  Write("later", "later\n");
  auto second = Commit({.image_name = "x:1", .created_ns = kCreatedNs + 1});
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_NE(first->image.config, second->image.config);
  EXPECT_EQ(store_->FindImage("x:1")->config, second->image.config);
  auto old = store_->FindImage(first->image.config.hex());
  ASSERT_TRUE(old);
  EXPECT_TRUE(old->names.empty());
}

TEST_F(ContainerCommitTest, FailuresLeaveNothingBehind) {
  MakeContainer();
  Write("hello", "hi\n");
  size_t blobs = Count("blobs/sha256");
  auto check = [&](Result<CommitContainerResult> r, ErrorCode code, const std::string& what) {
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().code, code) << what << ": " << r.error().ToString();
    EXPECT_EQ(Count("blobs/sha256"), blobs) << what;
    EXPECT_EQ(Count("tmp"), 0u) << what;
    EXPECT_EQ(store_->images().List()->size(), 1u) << what;
  };
  check(Commit({.container = "nope"}), ErrorCode::kNotFound, "unknown container");
  check(Commit({.image_name = "x@sha256:" + std::string(64, 'a')}), ErrorCode::kInvalidArgument,
        "digest in the name");
  check(Commit({.image_name = "Bad Name"}), ErrorCode::kInvalidArgument, "bad name");
  check(Commit({.changes = {"RUN true"}}), ErrorCode::kInvalidArgument, "RUN");
  check(Commit({.changes = {"EXPOSE 70000"}}), ErrorCode::kInvalidArgument, "bad port");
  Write(".wh.forged", "");
  check(Commit({}), ErrorCode::kInvalidArgument, ".wh. name in the upper dir");
}

TEST_F(ContainerCommitTest, RunningContainerCommitsUnlessPauseIsAsked) {
  MakeContainer();
  Write("hello", "hi\n");
  ContainerState running;
  running.status = ContainerStatus::kRunning;
  running.pid = ::getpid();
  ASSERT_TRUE(ContainerStore(Root()).SaveState(container_.id, running));
  auto paused = Commit({.pause = true});
  ASSERT_FALSE(paused);
  EXPECT_EQ(paused.error().code, ErrorCode::kUnsupported);
  auto r = Commit({});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->was_running);
}

TEST_F(ContainerCommitTest, SymlinksInTheUpperDirAreRecordedNotFollowed) {
  MakeContainer();
  ASSERT_TRUE(MakeDirs(Upper() / "etc"));
  ASSERT_EQ(::symlink("/etc", (Upper() / "hostetc").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../..", (Upper() / "etc/up").c_str()), 0);
  auto r = Commit({});
  ASSERT_TRUE(r) << r.error().ToString();
  auto data = store_->blobs().Read(r->layer_digest, 64 << 20);
  ASSERT_TRUE(data);
  auto lines = store::commit_test::ListTar(*data);
  ASSERT_EQ(lines.size(), 3u) << ::testing::PrintToString(lines);
  EXPECT_NE(lines[1].find("etc/up l "), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("hostetc l "), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("-> /etc"), std::string::npos) << lines[2];

  // An upper dir that is itself a link out of the container is refused.
  ASSERT_TRUE(RemoveTree(Upper()));
  ASSERT_TRUE(MakeDirs(dir_.path() / "elsewhere"));
  ASSERT_EQ(::symlink((dir_.path() / "elsewhere").c_str(), Upper().c_str()), 0);
  auto escaped = Commit({.image_name = "escaped"});
  EXPECT_FALSE(escaped);
  EXPECT_FALSE(store_->FindImage("escaped"));
}

}  // namespace
}  // namespace berth::runner
