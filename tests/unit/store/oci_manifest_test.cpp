#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "berth/store/oci.hpp"

namespace berth::store {

// Internal linkage: gtest finds it by ADL, and no other test file can clash with it.
[[maybe_unused]] static void PrintTo(const Descriptor& d, std::ostream* os) { *os << ToJson(d); }

namespace {

using Json = nlohmann::json;

std::string Hex(char c) { return std::string(64, c); }
std::string Sha(char c) { return "sha256:" + Hex(c); }
Digest D(char c) { return *Digest::FromHex(Hex(c)); }

Json Desc(std::string_view media_type, char digest, int64_t size) {
  return {{"mediaType", media_type}, {"digest", Sha(digest)}, {"size", size}};
}

// A valid OCI manifest with three layers; the error cases each break one field of it.
Json GoodManifest() {
  return {{"schemaVersion", 2},
          {"mediaType", media::kOciManifest},
          {"config", Desc(media::kOciConfig, 'c', 1469)},
          {"layers",
           {Desc(media::kOciLayerGzip, '1', 100), Desc(media::kOciLayerZstd, '2', 200),
            Desc(media::kOciLayerTar, '3', 300)}}};
}

void ExpectSameManifest(const Manifest& a, const Manifest& b) {
  EXPECT_EQ(a.schema_version, b.schema_version);
  EXPECT_EQ(a.media_type, b.media_type);
  EXPECT_EQ(a.artifact_type, b.artifact_type);
  EXPECT_EQ(a.config, b.config);
  EXPECT_EQ(a.layers, b.layers);
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.annotations, b.annotations);
}

TEST(ManifestTest, ParsesOciManifest) {
  Json j = GoodManifest();
  j["layers"][0]["annotations"] = {{"org.opencontainers.image.title", "base"}};
  j["annotations"] = {{"org.opencontainers.image.created", "2024-01-02T03:04:05Z"}};
  auto m = ParseManifest(j.dump(2));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->schema_version, 2);
  EXPECT_EQ(m->media_type, media::kOciManifest);
  EXPECT_EQ(m->config.media_type, media::kOciConfig);
  EXPECT_EQ(m->config.digest, D('c'));
  EXPECT_EQ(m->config.size, 1469);
  ASSERT_EQ(m->layers.size(), 3u);
  EXPECT_EQ(m->layers[1].media_type, media::kOciLayerZstd);
  EXPECT_EQ(m->layers[2].digest, D('3'));
  EXPECT_EQ(m->layers[2].size, 300);
  EXPECT_EQ(m->layers[0].annotations.at("org.opencontainers.image.title"), "base");
  EXPECT_EQ(m->annotations.size(), 1u);
  EXPECT_FALSE(m->subject);
  EXPECT_FALSE(m->layers[0].platform);
}

TEST(ManifestTest, ParsesDockerSchema2WithForeignLayer) {
  std::string text = R"({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1472,
               "digest": ")" +
                     Sha('c') + R"("},
    "layers": [
      {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
       "size": 5, "digest": ")" +
                     Sha('f') + R"(",
       "urls": ["https://mcr.example/a", "https://mcr.example/b"]},
      {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 3401613,
       "digest": ")" +
                     Sha('1') + R"("}]})";
  auto m = ParseManifest(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->media_type, media::kDockerManifest);
  EXPECT_TRUE(media::IsImageConfig(m->config.media_type));
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].urls,
            (std::vector<std::string>{"https://mcr.example/a", "https://mcr.example/b"}));
  EXPECT_TRUE(media::IsLayer(m->layers[0].media_type));
  EXPECT_EQ(m->layers[1].size, 3401613);
}

TEST(ManifestTest, OptionalAndArtifactFields) {
  Json j = GoodManifest();
  j.erase("mediaType");  // older OCI manifests omit it
  j["artifactType"] = "application/vnd.example.sbom";
  j["subject"] = Desc(media::kOciManifest, '5', 512);
  j["layers"] = Json::array();
  j["layers"].push_back(
      Desc("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", '9', 9));
  j["layers"][0]["urls"] = {"https://example.com/layer"};
  j["layers"][0]["artifactType"] = "application/vnd.example.part";
  auto m = ParseManifest(j.dump());
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->media_type, "");
  EXPECT_EQ(m->artifact_type, "application/vnd.example.sbom");
  ASSERT_TRUE(m->subject);
  EXPECT_EQ(m->subject->digest, D('5'));
  EXPECT_EQ(m->layers[0].artifact_type, "application/vnd.example.part");
  EXPECT_EQ(m->layers[0].urls.size(), 1u);
}

TEST(ManifestTest, IgnoresUnknownFieldsAndNullOptionals) {
  Json j = GoodManifest();
  j["x-vendor"] = {{"nested", {1, 2, 3}}};
  j["layers"][0]["data"] = "aGVsbG8=";
  j["layers"][0]["x-size-hint"] = 3.5;
  j["layers"][1]["annotations"] = nullptr;
  j["layers"][1]["urls"] = nullptr;
  j["annotations"] = nullptr;
  j["subject"] = nullptr;
  auto m = ParseManifest(j.dump());
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->annotations.empty());
  EXPECT_TRUE(m->layers[1].urls.empty());
  EXPECT_FALSE(m->subject);
}

struct BadCase {
  const char* name;
  std::function<void(Json&)> mutate;
  ErrorCode code;
  std::string message;  // the full message
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }
std::string CaseName(const testing::TestParamInfo<BadCase>& info) { return info.param.name; }

class BadManifestTest : public testing::TestWithParam<BadCase> {};

TEST_P(BadManifestTest, FailsNamingTheField) {
  Json j = GoodManifest();
  GetParam().mutate(j);
  auto m = ParseManifest(j.dump());
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, GetParam().code) << m.error().message;
  EXPECT_EQ(m.error().message, GetParam().message);
}

constexpr auto kInval = ErrorCode::kInvalidArgument;

const std::vector<BadCase> kBadManifestCases = {
    BadCase{"no_schema_version", [](Json& j) { j.erase("schemaVersion"); }, kInval,
            "parse manifest: field 'schemaVersion': missing"},
    BadCase{"schema_version_string", [](Json& j) { j["schemaVersion"] = "2"; }, kInval,
            "parse manifest: field 'schemaVersion': expected integer, got string"},
    BadCase{"schema_version_3", [](Json& j) { j["schemaVersion"] = 3; }, kInval,
            "parse manifest: field 'schemaVersion': expected 2, got 3"},
    BadCase{"media_type_number", [](Json& j) { j["mediaType"] = 7; }, kInval,
            "parse manifest: field 'mediaType': expected string, got number"},
    BadCase{"media_type_index", [](Json& j) { j["mediaType"] = media::kOciIndex; }, kInval,
            "parse manifest: media type 'application/vnd.oci.image.index.v1+json' is an "
            "index, not a manifest"},
    BadCase{"media_type_list", [](Json& j) { j["mediaType"] = media::kDockerManifestList; }, kInval,
            "parse manifest: media type "
            "'application/vnd.docker.distribution.manifest.list.v2+json' is an index, not "
            "a manifest"},
    BadCase{"media_type_config", [](Json& j) { j["mediaType"] = media::kOciConfig; }, kInval,
            "parse manifest: field 'mediaType': "
            "'application/vnd.oci.image.config.v1+json' is not a manifest media type"},
    BadCase{"no_config", [](Json& j) { j.erase("config"); }, kInval,
            "parse manifest: field 'config': missing"},
    BadCase{"config_null", [](Json& j) { j["config"] = nullptr; }, kInval,
            "parse manifest: field 'config': expected object, got null"},
    BadCase{"config_array", [](Json& j) { j["config"] = Json::array(); }, kInval,
            "parse manifest: field 'config': expected object, got array"},
    BadCase{"config_no_media_type", [](Json& j) { j["config"].erase("mediaType"); }, kInval,
            "parse manifest: field 'config.mediaType': missing"},
    BadCase{"no_layers", [](Json& j) { j.erase("layers"); }, kInval,
            "parse manifest: field 'layers': missing"},
    BadCase{"layers_object", [](Json& j) { j["layers"] = Json::object(); }, kInval,
            "parse manifest: field 'layers': expected array, got object"},
    BadCase{"layer_string", [](Json& j) { j["layers"][2] = "sha256:abc"; }, kInval,
            "parse manifest: field 'layers[2]': expected object, got string"},
    BadCase{"layer_digest_number", [](Json& j) { j["layers"][2]["digest"] = 5; }, kInval,
            "parse manifest: field 'layers[2].digest': expected string, got number"},
    BadCase{"layer_no_digest", [](Json& j) { j["layers"][1].erase("digest"); }, kInval,
            "parse manifest: field 'layers[1].digest': missing"},
    BadCase{"layer_digest_short", [](Json& j) { j["layers"][0]["digest"] = "sha256:abc"; }, kInval,
            "parse manifest: field 'layers[0].digest': invalid sha256 digest abc"},
    BadCase{"layer_digest_no_alg", [](Json& j) { j["layers"][0]["digest"] = Hex('a'); }, kInval,
            "parse manifest: field 'layers[0].digest': invalid digest '" + Hex('a') +
                "': no algorithm"},
    BadCase{"layer_digest_sha512",
            [](Json& j) { j["layers"][0]["digest"] = "sha512:" + std::string(128, 'a'); },
            ErrorCode::kUnsupported,
            "parse manifest: field 'layers[0].digest': unsupported digest algorithm "
            "'sha512'"},
    BadCase{"layer_no_size", [](Json& j) { j["layers"][0].erase("size"); }, kInval,
            "parse manifest: field 'layers[0].size': missing"},
    BadCase{"layer_size_negative", [](Json& j) { j["layers"][0]["size"] = -1; }, kInval,
            "parse manifest: field 'layers[0].size': expected a non-negative integer"},
    BadCase{"layer_size_float", [](Json& j) { j["layers"][0]["size"] = 1.5; }, kInval,
            "parse manifest: field 'layers[0].size': expected integer, got number"},
    BadCase{"layer_size_string", [](Json& j) { j["layers"][0]["size"] = "100"; }, kInval,
            "parse manifest: field 'layers[0].size': expected integer, got string"},
    BadCase{"layer_size_huge", [](Json& j) { j["layers"][0]["size"] = 18446744073709551615ull; },
            kInval, "parse manifest: field 'layers[0].size': integer out of range"},
    BadCase{"layer_media_type_bool", [](Json& j) { j["layers"][1]["mediaType"] = true; }, kInval,
            "parse manifest: field 'layers[1].mediaType': expected string, got boolean"},
    BadCase{"layer_urls_string", [](Json& j) { j["layers"][0]["urls"] = "https://x"; }, kInval,
            "parse manifest: field 'layers[0].urls': expected array of strings, got "
            "string"},
    BadCase{"layer_url_number",
            [](Json& j) {
              j["layers"][0]["urls"] = {"https://x", 1};
            },
            kInval, "parse manifest: field 'layers[0].urls[1]': expected string, got number"},
    BadCase{"layer_annotations_array",
            [](Json& j) {
              j["layers"][0]["annotations"] = {"a", "b"};
            },
            kInval, "parse manifest: field 'layers[0].annotations': expected object, got array"},
    BadCase{"annotation_value_number",
            [](Json& j) {
              j["annotations"] = {
                  {"org.example", 1},
              };
            },
            kInval, "parse manifest: field 'annotations.org.example': expected string, got number"},
    BadCase{"layer_platform_string", [](Json& j) { j["layers"][0]["platform"] = "linux"; }, kInval,
            "parse manifest: field 'layers[0].platform': expected object, got string"},
    BadCase{"subject_no_size",
            [](Json& j) {
              j["subject"] = {{"mediaType", "x"}, {"digest", Sha('5')}};
            },
            kInval, "parse manifest: field 'subject.size': missing"},
    BadCase{"artifact_type_array", [](Json& j) { j["artifactType"] = {"a"}; }, kInval,
            "parse manifest: field 'artifactType': expected string, got array"}};

INSTANTIATE_TEST_SUITE_P(Cases, BadManifestTest, testing::ValuesIn(kBadManifestCases), CaseName);

TEST(ManifestTest, RefusesSchema1) {
  const std::string cases[] = {
      R"({"schemaVersion": 1, "name": "library/alpine", "tag": "3.4", "fsLayers": []})",
      R"({"schemaVersion": 1, "fsLayers": [], "signatures": [{"header": {}}]})",
      R"({"schemaVersion": 1,)"
      R"( "mediaType": "application/vnd.docker.distribution.manifest.v1+json"})",
      R"({"mediaType": "application/vnd.docker.distribution.manifest.v1+prettyjws"})",
  };
  for (const std::string& text : cases) {
    auto m = ParseManifest(text);
    ASSERT_FALSE(m) << text;
    EXPECT_EQ(m.error().code, ErrorCode::kUnsupported) << text;
    EXPECT_EQ(m.error().message, "parse manifest: docker schema1 manifests are not supported");
    EXPECT_FALSE(m.error().hint.empty());
    auto i = ParseIndex(text);
    ASSERT_FALSE(i) << text;
    EXPECT_EQ(i.error().code, ErrorCode::kUnsupported) << text;
  }
}

TEST(ManifestTest, RejectsMalformedJson) {
  struct Case {
    std::string text;
    std::string message_prefix;
  } cases[] = {
      {"", "parse manifest: invalid JSON: "},
      {"{", "parse manifest: invalid JSON: "},
      {R"({"schemaVersion": 2,})", "parse manifest: invalid JSON: "},
      {"\"\xff\"", "parse manifest: invalid JSON: "},
      {"[]", "parse manifest: expected a JSON object, got array"},
      {"null", "parse manifest: expected a JSON object, got null"},
      {"2", "parse manifest: expected a JSON object, got number"},
  };
  for (const Case& c : cases) {
    auto m = ParseManifest(c.text);
    ASSERT_FALSE(m) << c.text;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(m.error().message.rfind(c.message_prefix, 0), 0u) << m.error().message;
    // The nlohmann exception id ("[json.exception.parse_error.101]") is not for users.
    EXPECT_EQ(m.error().message.find("[json.exception"), std::string::npos);
  }
}

TEST(ManifestTest, BoundsNestingDepth) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  Json j = GoodManifest();
  std::string text = j.dump();
  text.insert(1, R"("x-deep": )" + nested(200) + ",");
  auto ok = ParseManifest(text);
  EXPECT_TRUE(ok) << ok.error().message;
  // Brackets inside strings do not count.
  j["annotations"] = {{"a", std::string(5000, '[')}};
  EXPECT_TRUE(ParseManifest(j.dump()));
  text = GoodManifest().dump();
  text.insert(1, R"("x-deep": )" + nested(20000) + ",");
  auto deep = ParseManifest(text);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(deep.error().message, "parse manifest: invalid JSON: nested deeper than 256 levels");
  EXPECT_EQ(DetectMediaType(text), media::kOciManifest);
}

TEST(ManifestTest, CanonicalJsonGolden) {
  Manifest m;
  m.media_type = media::kOciManifest;
  m.config = {.media_type = std::string(media::kOciConfig), .digest = D('c'), .size = 7};
  m.layers.push_back(
      {.media_type = std::string(media::kOciLayerGzip), .digest = D('1'), .size = 32});
  const std::string golden =
      R"({"config":{"digest":")" + Sha('c') +
      R"(","mediaType":"application/vnd.oci.image.config.v1+json","size":7},"layers":[)"
      R"({"digest":")" +
      Sha('1') +
      R"(","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":32}],)"
      R"("mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2})";
  EXPECT_EQ(ToJson(m), golden);
  // Key order, white space and unknown fields of the input do not change the output.
  std::string shuffled = R"({ "schemaVersion" : 2, "x": 1,
      "layers": [ {"size": 32, "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                   "digest": ")" +
                         Sha('1') + R"(", "annotations": {}} ],
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": {"size": 7, "digest": ")" +
                         Sha('c') +
                         R"(", "mediaType": "application/vnd.oci.image.config.v1+json"}})";
  auto parsed = ParseManifest(shuffled);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(ToJson(*parsed), golden);
}

TEST(ManifestTest, RoundTripsEveryModelledField) {
  Manifest m;
  m.media_type = media::kOciManifest;
  m.artifact_type = "application/vnd.example+type";
  m.config = {.media_type = std::string(media::kOciEmpty), .digest = D('e'), .size = 2};
  m.layers.push_back({.media_type = std::string(media::kOciLayerZstd),
                      .digest = D('1'),
                      .size = 1LL << 40,
                      .urls = {"https://a", "https://b"},
                      .annotations = {{"k", "v"}, {"a", "\"quoted\" \n ünïcode"}},
                      .platform = Platform{.os = "linux", .architecture = "arm64", .variant = "v8"},
                      .artifact_type = "application/vnd.example.part"});
  m.layers.push_back({.media_type = std::string(media::kOciLayerTar), .digest = D('2')});
  m.subject =
      Descriptor{.media_type = std::string(media::kOciManifest), .digest = D('5'), .size = 99};
  m.annotations = {{"org.opencontainers.image.ref.name", "v1"}};
  std::string text = ToJson(m);
  auto back = ParseManifest(text);
  ASSERT_TRUE(back) << back.error().message << "\n" << text;
  ExpectSameManifest(*back, m);
  EXPECT_EQ(ToJson(*back), text);
  EXPECT_EQ(text.find("\n"), std::string::npos);
}

TEST(ManifestTest, OmitsEmptyOptionalFields) {
  Manifest m;
  m.config = {.media_type = std::string(media::kOciConfig), .digest = D('c'), .size = 1};
  std::string text = ToJson(m);
  for (const char* key : {"annotations", "urls", "platform", "artifactType", "subject",
                          "mediaType\":\"application/vnd.oci.image.manifest"}) {
    EXPECT_EQ(text.find(key), std::string::npos) << key << " in " << text;
  }
  EXPECT_NE(text.find(R"("layers":[])"), std::string::npos) << text;
}

TEST(DescriptorTest, CanonicalJsonGolden) {
  Descriptor d{.media_type = std::string(media::kOciManifest), .digest = D('a'), .size = 527};
  EXPECT_EQ(ToJson(d), R"({"digest":")" + Sha('a') +
                           R"(","mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                           R"("size":527})");
  d.platform = Platform{.os = "linux", .architecture = "arm", .variant = "v7"};
  d.annotations = {{"b", "2"}, {"a", "1"}};
  d.urls = {"https://x"};
  d.artifact_type = "t";
  EXPECT_EQ(ToJson(d), R"({"annotations":{"a":"1","b":"2"},"artifactType":"t","digest":")" +
                           Sha('a') +
                           R"(","mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                           R"("platform":{"architecture":"arm","os":"linux","variant":"v7"},)"
                           R"("size":527,"urls":["https://x"]})");
}

}  // namespace
}  // namespace berth::store
