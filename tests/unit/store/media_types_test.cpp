#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "berth/store/oci.hpp"

namespace berth::store {
namespace {

struct KindCase {
  std::string_view media_type;
  bool index, manifest, layer, config;
};

TEST(MediaTypesTest, Predicates) {
  const KindCase cases[] = {
      {media::kOciIndex, true, false, false, false},
      {media::kDockerManifestList, true, false, false, false},
      {media::kOciManifest, false, true, false, false},
      {media::kDockerManifest, false, true, false, false},
      {media::kDockerSchema1, false, false, false, false},
      {media::kDockerSchema1Signed, false, false, false, false},
      {media::kOciConfig, false, false, false, true},
      {media::kDockerConfig, false, false, false, true},
      {media::kOciLayerTar, false, false, true, false},
      {media::kOciLayerGzip, false, false, true, false},
      {media::kOciLayerZstd, false, false, true, false},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar", false, false, true, false},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", false, false, true, false},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", false, false, true, false},
      {media::kDockerLayerGzip, false, false, true, false},
      {media::kDockerForeignLayerGzip, false, false, true, false},
      {"application/vnd.docker.image.rootfs.diff.tar", false, false, true, false},
      {"application/vnd.docker.image.rootfs.diff.tar.zstd", false, false, true, false},
      {media::kOciEmpty, false, false, false, false},
      {"application/vnd.in-toto+json", false, false, false, false},
      {"application/vnd.oci.image.layer.v1.tar+bzip2", false, false, false, false},
      {"application/json", false, false, false, false},
      {"", false, false, false, false},
      // Content-Type parameters do not change the type.
      {"application/vnd.oci.image.index.v1+json; charset=utf-8", true, false, false, false},
      {"application/vnd.docker.distribution.manifest.v2+json ;x=y", false, true, false, false},
      // Media types are compared exactly; registries send them in lower case.
      {"Application/Vnd.Oci.Image.Index.V1+Json", false, false, false, false},
  };
  for (const KindCase& c : cases) {
    SCOPED_TRACE(std::string(c.media_type));
    EXPECT_EQ(media::IsIndex(c.media_type), c.index);
    EXPECT_EQ(media::IsManifest(c.media_type), c.manifest);
    EXPECT_EQ(media::IsLayer(c.media_type), c.layer);
    EXPECT_EQ(media::IsImageConfig(c.media_type), c.config);
  }
}

TEST(MediaTypesTest, DetectMediaType) {
  struct Case {
    const char* json;
    std::string_view expected;
  } cases[] = {
      {R"({"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "layers": []})",
       media::kDockerManifest},
      {R"({"mediaType": "application/vnd.oci.image.index.v1+json"})", media::kOciIndex},
      {R"({"mediaType": "text/plain", "manifests": []})", "text/plain"},
      {R"({"schemaVersion": 2, "manifests": []})", media::kOciIndex},
      {R"({"schemaVersion": 2, "config": {}, "layers": []})", media::kOciManifest},
      {R"({"layers": []})", ""},
      {R"({"architecture": "amd64", "rootfs": {"type": "layers"}})", media::kOciConfig},
      {R"({"schemaVersion": 1, "fsLayers": []})", media::kDockerSchema1},
      {R"({"schemaVersion": 1, "fsLayers": [], "signatures": []})", media::kDockerSchema1Signed},
      {R"({"mediaType": 5, "rootfs": {}})", media::kOciConfig},
      {R"({"hello": "world"})", ""},
      {"[]", ""},
      {"not json", ""},
      {"", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DetectMediaType(c.json), c.expected) << c.json;
  }
}

TEST(PlatformTest, String) {
  EXPECT_EQ((Platform{.os = "linux", .architecture = "amd64"}).String(), "linux/amd64");
  EXPECT_EQ((Platform{.os = "linux", .architecture = "arm64", .variant = "v8"}).String(),
            "linux/arm64/v8");
  EXPECT_EQ((Platform{.os = "windows", .architecture = "amd64", .os_version = "10.0"}).String(),
            "windows/amd64");
}

}  // namespace
}  // namespace berth::store
