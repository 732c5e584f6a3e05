#include "berth/store/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/tar_builder.hpp"

namespace berth::store {
namespace {

using berth::testing::TarBuilder;
using berth::testing::TarCompression;
using Json = nlohmann::json;

constexpr char kRefName[] = "org.opencontainers.image.ref.name";

Json Desc(const std::string& media_type, const std::string& data, Json annotations = nullptr) {
  Json d = {
      {"mediaType", media_type}, {"digest", Digest::Of(data).String()}, {"size", data.size()}};
  if (!annotations.is_null()) d["annotations"] = annotations;
  return d;
}

// The named member of the tar at `path` (read with libarchive, not berth's reader).
std::string TarMemberData(const fs::path& path, const std::string& name) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 10240) != ARCHIVE_OK) return "";
  archive_entry* e = nullptr;
  while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
    if (archive_entry_pathname(e) != name) continue;
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    archive_read_data(a.get(), data.data(), data.size());
    return data;
  }
  return "";
}

// An image as blobs, the way a registry or another tool hands it over.
struct TestImage {
  std::string config;
  std::vector<std::string> tars;    // uncompressed layers
  std::vector<std::string> layers;  // layer blobs as stored
  std::string manifest;
  Digest manifest_digest() const { return Digest::Of(manifest); }
  Json Descriptor(Json annotations = nullptr) const {
    return Desc("application/vnd.oci.image.manifest.v1+json", manifest, annotations);
  }
};

TestImage MakeImage(const std::vector<TarBuilder>& layers, TarCompression c,
                    const std::string& arch = "amd64") {
  TestImage img;
  Json diff_ids = Json::array(), descs = Json::array();
  for (const TarBuilder& l : layers) {
    img.tars.push_back(l.Build());
    img.layers.push_back(l.Build(c));
    diff_ids.push_back(Digest::Of(img.tars.back()).String());
    descs.push_back(Desc(OciLayerMediaType(c), img.layers.back()));
  }
  img.config = Json{{"architecture", arch},
                    {"os", "linux"},
                    {"created", "2024-01-02T03:04:05Z"},
                    {"config", {{"Cmd", {"sh"}}}},
                    {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
                   .dump();
  img.manifest = Json{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", Desc("application/vnd.oci.image.config.v1+json", img.config)},
      {"layers",
       descs}}.dump();
  return img;
}

// An OCI image layout assembled by hand, written as a directory or a tar.
struct Layout {
  std::map<std::string, std::string> blobs;  // hex -> bytes
  Json manifests = Json::array();

  void Add(const std::string& data) { blobs[Digest::Of(data).hex()] = data; }
  void AddBlobs(const TestImage& img) {
    Add(img.config);
    for (const auto& l : img.layers) Add(l);
    Add(img.manifest);
  }
  void AddImage(const TestImage& img, Json annotations = nullptr) {
    AddBlobs(img);
    manifests.push_back(img.Descriptor(annotations));
  }
  std::string Index() const {
    return Json{{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests", manifests}}
        .dump();
  }
  void WriteDir(const fs::path& dir) const {
    ASSERT_TRUE(MakeDirs(dir / "blobs" / "sha256"));
    ASSERT_TRUE(WriteFileAtomic(dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
    ASSERT_TRUE(WriteFileAtomic(dir / "index.json", Index()));
    for (const auto& [hex, data] : blobs) {
      ASSERT_TRUE(WriteFileAtomic(dir / "blobs" / "sha256" / hex, data));
    }
  }
  std::string Tar(TarCompression c = TarCompression::kNone) const {
    TarBuilder t;
    t.Dir("blobs").Dir("blobs/sha256");
    // Blobs before index.json, as skopeo writes them: the loader must not need the index first.
    for (const auto& [hex, data] : blobs) t.File("blobs/sha256/" + hex, data);
    t.File("oci-layout", R"({"imageLayoutVersion":"1.0.0"})").File("index.json", Index());
    return t.Build(c);
  }
};

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(::testing::TempDir(), "archive-");
    ASSERT_TRUE(t);
    dir_ = std::move(*t);
    store_ = OpenStore("root");
    base_.Dir("bin").File("bin/sh", "#!shell\n", 0755).Dir("etc").File("etc/os-release", "ID=t\n");
    app_.Dir("app").File("app/run", "run\n", 0755);
  }
  std::optional<Store> OpenStore(const std::string& name) {
    auto s = Store::Open(dir_.path() / name);
    EXPECT_TRUE(s) << s.error().ToString();
    if (!s) return std::nullopt;
    return std::move(*s);
  }
  fs::path Path(const std::string& name) const { return dir_.path() / name; }
  fs::path WriteFile(const std::string& name, const std::string& data) {
    EXPECT_TRUE(WriteFileAtomic(Path(name), data));
    return Path(name);
  }
  size_t ImageCount(const Store& s) { return s.images().List()->size(); }

  TempDir dir_;
  std::optional<Store> store_;
  TarBuilder base_, app_;
};

TEST_F(ArchiveTest, DetectsEachForm) {
  Layout layout;
  layout.AddImage(MakeImage({base_}, TarCompression::kGzip));
  layout.WriteDir(Path("oci"));
  EXPECT_EQ(*DetectArchiveFormat(Path("oci")), ArchiveFormat::kOciDir);
  for (auto c : {TarCompression::kNone, TarCompression::kGzip, TarCompression::kZstd}) {
    auto f = DetectArchiveFormat(WriteFile("oci.tar", layout.Tar(c)));
    ASSERT_TRUE(f) << f.error().ToString();
    EXPECT_EQ(*f, ArchiveFormat::kOciArchive);
  }
  std::string docker = TarBuilder().File("a/layer.tar", "x").File("manifest.json", "[]").Build();
  EXPECT_EQ(*DetectArchiveFormat(WriteFile("docker.tar", docker)), ArchiveFormat::kDockerArchive);

  ASSERT_TRUE(MakeDirs(Path("empty")));
  auto not_layout = DetectArchiveFormat(Path("empty"));
  ASSERT_FALSE(not_layout);
  EXPECT_NE(not_layout.error().message.find(Path("empty").string()), std::string::npos);
  auto plain = DetectArchiveFormat(WriteFile("other.tar", TarBuilder().File("x", "y").Build()));
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("other.tar"), std::string::npos);
  EXPECT_FALSE(DetectArchiveFormat(WriteFile("junk", std::string(2000, 'j'))));
  EXPECT_EQ(DetectArchiveFormat(Path("absent")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*ParseArchiveFormat("docker-archive"), ArchiveFormat::kDockerArchive);
  EXPECT_EQ(ArchiveFormatName(ArchiveFormat::kOciArchive), "oci-archive");
  EXPECT_FALSE(ParseArchiveFormat("zip"));
}

TEST_F(ArchiveTest, LoadsOciDirAndArchiveWithNames) {
  TestImage img = MakeImage({base_, app_}, TarCompression::kGzip);
  Layout layout;
  layout.AddImage(img, {{kRefName, "quay.io/team/app:1"}});
  layout.WriteDir(Path("oci"));
  auto loaded = LoadArchive(*store_, Path("oci"));
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].record.manifest, img.manifest_digest());
  EXPECT_EQ((*loaded)[0].names, std::vector<std::string>{"quay.io/team/app:1"});
  auto found = store_->FindImage("quay.io/team/app:1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->config, Digest::Of(img.config));

  for (auto c : {TarCompression::kNone, TarCompression::kZstd}) {
    auto other = OpenStore(c == TarCompression::kNone ? "plain" : "zstd");
    auto r = LoadArchive(*other, WriteFile("oci.tar", layout.Tar(c)));
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ((*r)[0].record.manifest, img.manifest_digest());
    EXPECT_TRUE(other->FindImage("quay.io/team/app:1"));
    EXPECT_TRUE(ListDir(other->tmp_dir())->empty());
  }
}

TEST_F(ArchiveTest, NamesFromAnnotations) {
  Layout layout;
  TestImage a = MakeImage({base_}, TarCompression::kGzip);
  TestImage b = MakeImage({app_}, TarCompression::kGzip);
  TestImage c = MakeImage({base_, app_}, TarCompression::kGzip);
  layout.AddImage(a, {{kRefName, "latest"}});        // a bare tag names no repository
  layout.AddImage(b, {{kRefName, "busybox:1.36"}});  // skopeo oci:dir:busybox:1.36
  layout.AddImage(c, {{kRefName, "latest"}, {"io.containerd.image.name", "docker.io/x/y:2"}});
  auto loaded = LoadArchive(*store_, WriteFile("oci.tar", layout.Tar()));
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  ASSERT_EQ(loaded->size(), 3u);
  EXPECT_TRUE((*loaded)[0].names.empty());
  EXPECT_EQ((*loaded)[1].names, std::vector<std::string>{"docker.io/library/busybox:1.36"});
  EXPECT_EQ((*loaded)[2].names, std::vector<std::string>{"docker.io/x/y:2"});
  EXPECT_EQ(ImageCount(*store_), 3u);
}

TEST_F(ArchiveTest, NestedIndexPicksHostPlatformAndSkipsAttestations) {
  TestImage amd = MakeImage({base_}, TarCompression::kGzip, "amd64");
  TestImage arm = MakeImage({app_}, TarCompression::kGzip, "arm64");
  Json amd_desc = amd.Descriptor(), arm_desc = arm.Descriptor();
  amd_desc["platform"] = {{"os", "linux"}, {"architecture", "amd64"}};
  arm_desc["platform"] = {{"os", "linux"}, {"architecture", "arm64"}};
  Json att = Desc("application/vnd.oci.image.manifest.v1+json", "{}",
                  {{"vnd.docker.reference.type", "attestation-manifest"}});
  att["platform"] = {{"os", "unknown"}, {"architecture", "unknown"}};
  std::string index = Json{{"schemaVersion", 2},
                           {"mediaType", "application/vnd.oci.image.index.v1+json"},
                           {"manifests", {arm_desc, att, amd_desc}}}
                          .dump();
  Layout layout;
  layout.AddBlobs(amd);
  layout.Add(arm.manifest);  // only the manifest: the arm64 image must never be fetched
  layout.Add(index);
  layout.manifests.push_back(
      Desc("application/vnd.oci.image.index.v1+json", index, {{kRefName, "example.com/m:1"}}));
  layout.WriteDir(Path("oci"));
  auto loaded = LoadArchive(*store_, Path("oci"));
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].record.manifest, amd.manifest_digest());
  EXPECT_EQ((*loaded)[0].names, std::vector<std::string>{"example.com/m:1"});
}

TEST_F(ArchiveTest, CorruptBlobIsRejectedAndNothingCommitted) {
  TestImage img = MakeImage({base_, app_}, TarCompression::kGzip);
  Digest layer = Digest::Of(img.layers[1]);
  Layout layout;
  layout.AddImage(img, {{kRefName, "example.com/app:1"}});
  std::string& bytes = layout.blobs[layer.hex()];
  bytes[bytes.size() / 2] ^= 0x55;
  std::string corrupt = bytes;
  layout.WriteDir(Path("oci"));
  for (fs::path p : {Path("oci"), WriteFile("oci.tar", layout.Tar())}) {
    auto r = LoadArchive(*store_, p);
    ASSERT_FALSE(r) << p;
    EXPECT_EQ(r.error().code, ErrorCode::kDigestMismatch) << r.error().ToString();
    EXPECT_NE(r.error().message.find("load '" + p.string() + "'"), std::string::npos);
    EXPECT_NE(r.error().message.find(layer.Short()), std::string::npos) << r.error().ToString();
    EXPECT_EQ(ImageCount(*store_), 0u);
    EXPECT_FALSE(store_->blobs().Has(layer));
    EXPECT_FALSE(store_->blobs().Has(Digest::Of(corrupt)));
    EXPECT_TRUE(ListDir(store_->tmp_dir())->empty());
  }
}

TEST_F(ArchiveTest, MissingBlobIsAnError) {
  TestImage img = MakeImage({base_}, TarCompression::kGzip);
  Layout layout;
  layout.AddImage(img);
  Digest layer = Digest::Of(img.layers[0]);
  layout.blobs.erase(layer.hex());
  layout.WriteDir(Path("oci"));
  for (fs::path p : {Path("oci"), WriteFile("oci.tar", layout.Tar())}) {
    auto r = LoadArchive(*store_, p);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << r.error().ToString();
    EXPECT_NE(r.error().message.find(layer.Short()), std::string::npos) << r.error().ToString();
    EXPECT_EQ(ImageCount(*store_), 0u);
  }
}

// docker save's layout: config and layer tars first, manifest.json and repositories last.
std::string DockerArchive(const TestImage& img, const std::vector<std::string>& layer_files,
                          const std::string& tags_json) {
  TarBuilder t;
  Json layers = Json::array();
  for (size_t i = 0; i < img.layers.size(); ++i) {
    std::string dir = "layer" + std::to_string(i);
    t.Dir(dir).File(dir + "/VERSION", "1.0").File(dir + "/" + layer_files[i], img.layers[i]);
    layers.push_back(dir + "/" + layer_files[i]);
  }
  std::string config_name = Digest::Of(img.config).hex() + ".json";
  t.File(config_name, img.config);
  Json manifest = Json::array(
      {{{"Config", config_name}, {"RepoTags", Json::parse(tags_json)}, {"Layers", layers}}});
  t.File("manifest.json", manifest.dump()).File("repositories", "{}");
  return t.Build();
}

TEST_F(ArchiveTest, LoadsDockerArchiveWithPlainGzipAndLargeLayers) {
  // Bigger than what the loader keeps in memory, so this layer goes through a stage.
  std::string big(1536 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 5);
  TarBuilder large;
  large.File("big.bin", big);
  TestImage plain = MakeImage({base_, large}, TarCompression::kNone);
  TestImage gz = MakeImage({app_}, TarCompression::kGzip);
  // One image with an uncompressed and one with a gzip layer, in a single archive.
  plain.layers.push_back(gz.layers[0]);
  Json config = Json::parse(plain.config);
  config["rootfs"]["diff_ids"].push_back(Digest::Of(gz.tars[0]).String());
  plain.config = config.dump();
  auto path = WriteFile("docker.tar", DockerArchive(plain, {"layer.tar", "layer.tar", "layer.tar"},
                                                    R"(["busybox:latest"])"));
  auto loaded = LoadArchive(*store_, path);
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].names, std::vector<std::string>{"docker.io/library/busybox:latest"});
  EXPECT_EQ((*loaded)[0].record.config, Digest::Of(plain.config));  // docker's image id
  auto view = store_->ReadImage((*loaded)[0].record);
  ASSERT_TRUE(view) << view.error().ToString();
  EXPECT_EQ(view->manifest.config.media_type, "application/vnd.oci.image.config.v1+json");
  ASSERT_EQ(view->manifest.layers.size(), 3u);
  EXPECT_EQ(view->manifest.layers[0].media_type, OciLayerMediaType(TarCompression::kNone));
  EXPECT_EQ(view->manifest.layers[1].media_type, OciLayerMediaType(TarCompression::kNone));
  EXPECT_EQ(view->manifest.layers[2].media_type, OciLayerMediaType(TarCompression::kGzip));
  EXPECT_EQ(view->manifest.layers[2].digest, Digest::Of(gz.layers[0]));
  EXPECT_TRUE(fs::exists(store_->layers().DiffDir(view->config.diff_ids[1]) / "big.bin"));
  EXPECT_TRUE(ListDir(store_->tmp_dir())->empty());
}

TEST_F(ArchiveTest, DockerArchiveLayerCountMustMatchConfig) {
  TestImage img = MakeImage({base_}, TarCompression::kNone);
  Json config = Json::parse(img.config);
  config["rootfs"]["diff_ids"].push_back(config["rootfs"]["diff_ids"][0]);
  img.config = config.dump();
  auto r = LoadArchive(*store_, WriteFile("d.tar", DockerArchive(img, {"layer.tar"}, "null")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().ToString();
  EXPECT_EQ(ImageCount(*store_), 0u);
}

TEST_F(ArchiveTest, OciRoundTripKeepsManifestDigest) {
  TestImage img = MakeImage({base_, app_}, TarCompression::kGzip);
  Layout layout;
  layout.AddImage(img, {{kRefName, "example.com/app:1"}});
  layout.WriteDir(Path("in"));
  auto loaded = LoadArchive(*store_, Path("in"));
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  auto view = store_->ReadImage((*loaded)[0].record);
  ASSERT_TRUE(view);
  std::vector<SaveItem> items = {{*view, "example.com/app:1"}};
  ASSERT_TRUE(MakeDirs(Path("out")));  // an existing empty directory is fine
  auto saved = SaveArchive(*store_, items, Path("out").string() + "/", ArchiveFormat::kOciDir);
  ASSERT_TRUE(saved) << saved.error().ToString();
  Json index = Json::parse(*ReadFile(Path("out") / "index.json"));
  EXPECT_EQ(index["manifests"][0]["annotations"][kRefName], "example.com/app:1");
  EXPECT_EQ(index["manifests"][0]["digest"], img.manifest_digest().String());
  auto again = SaveArchive(*store_, items, Path("out"), ArchiveFormat::kOciDir);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);

  ASSERT_TRUE(SaveArchive(*store_, items, Path("out.tar"), ArchiveFormat::kOciArchive));
  std::string first = *ReadFile(Path("out.tar"));
  ASSERT_TRUE(SaveArchive(*store_, items, Path("out.tar"), ArchiveFormat::kOciArchive));
  EXPECT_EQ(first, *ReadFile(Path("out.tar"))) << "saving twice must give the same bytes";
  EXPECT_EQ(ListDir(dir_.path())->size(), 4u);  // root, in, out, out.tar: no temp files left

  for (const char* src : {"out", "out.tar"}) {
    auto fresh = OpenStore(std::string("fresh-") + src);
    auto back = LoadArchive(*fresh, Path(src));
    ASSERT_TRUE(back) << back.error().ToString();
    EXPECT_EQ((*back)[0].record.manifest, img.manifest_digest()) << src;
    EXPECT_EQ((*back)[0].names, std::vector<std::string>{"example.com/app:1"});
  }
}

TEST_F(ArchiveTest, DockerRoundTripKeepsDiffIdsAndImageId) {
  TestImage img = MakeImage({base_, app_}, TarCompression::kGzip);
  Layout layout;
  layout.AddImage(img);
  layout.WriteDir(Path("in"));
  auto loaded = LoadArchive(*store_, Path("in"));
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  auto view = store_->ReadImage((*loaded)[0].record);
  ASSERT_TRUE(view);
  std::vector<SaveItem> items = {{*view, "docker.io/library/app:1"}, {*view, "quay.io/a/b:2"}};
  auto saved = SaveArchive(*store_, items, Path("d.tar"), ArchiveFormat::kDockerArchive);
  ASSERT_TRUE(saved) << saved.error().ToString();
  std::string first = *ReadFile(Path("d.tar"));
  ASSERT_TRUE(SaveArchive(*store_, items, Path("d.tar"), ArchiveFormat::kDockerArchive));
  Json manifest = Json::parse(TarMemberData(Path("d.tar"), "manifest.json"));
  std::string config_hex = Digest::Of(img.config).hex();
  std::string top = Digest::Of(img.tars[1]).hex();
  EXPECT_EQ(manifest, Json::parse(R"([{"Config":")" + config_hex +
                                  R"(.json","RepoTags":["app:1","quay.io/a/b:2"],"Layers":[")" +
                                  Digest::Of(img.tars[0]).hex() + R"(/layer.tar",")" + top +
                                  R"(/layer.tar"]}])"));
  EXPECT_EQ(Json::parse(TarMemberData(Path("d.tar"), "repositories")),
            Json::parse(R"({"app":{"1":")" + top + R"("},"quay.io/a/b":{"2":")" + top + R"("}})"));
  EXPECT_EQ(TarMemberData(Path("d.tar"), top + "/layer.tar"), img.tars[1]);
  EXPECT_EQ(first, *ReadFile(Path("d.tar")));

  auto fresh = OpenStore("fresh");
  auto back = LoadArchive(*fresh, Path("d.tar"));
  ASSERT_TRUE(back) << back.error().ToString();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].names,
            (std::vector<std::string>{"docker.io/library/app:1", "quay.io/a/b:2"}));
  EXPECT_EQ((*back)[0].record.config, Digest::Of(img.config));
  auto back_view = fresh->ReadImage((*back)[0].record);
  ASSERT_TRUE(back_view);
  EXPECT_EQ(back_view->config.diff_ids, view->config.diff_ids);
  for (size_t i = 0; i < img.tars.size(); ++i) {
    // Saved uncompressed: the layer blob is the tar whose sha256 is the diff_id.
    EXPECT_EQ(back_view->manifest.layers[i].digest, Digest::Of(img.tars[i]));
    EXPECT_EQ(back_view->manifest.layers[i].media_type, OciLayerMediaType(TarCompression::kNone));
  }
}

}  // namespace
}  // namespace berth::store
