#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "berth/store/oci.hpp"

namespace berth::store {

[[maybe_unused]] static void PrintTo(const Descriptor& d, std::ostream* os) { *os << ToJson(d); }

namespace {

using Json = nlohmann::json;

std::string Hex(char c) { return std::string(64, c); }
std::string Sha(char c) { return "sha256:" + Hex(c); }
Digest D(char c) { return *Digest::FromHex(Hex(c)); }

// The shape of a real multi-arch index as BuildKit pushes it, with an attestation entry.
const char* kOciIndexText = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1000,
     "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
     "platform": {"architecture": "amd64", "os": "linux"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1001,
     "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
     "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1002,
     "digest": "sha256:3333333333333333333333333333333333333333333333333333333333333333",
     "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.17763.1",
                  "os.features": ["win32k"], "features": ["reserved"]}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 566,
     "digest": "sha256:4444444444444444444444444444444444444444444444444444444444444444",
     "annotations": {
       "vnd.docker.reference.digest":
           "sha256:1111111111111111111111111111111111111111111111111111111111111111",
       "vnd.docker.reference.type": "attestation-manifest"},
     "platform": {"architecture": "unknown", "os": "unknown"}}
  ],
  "annotations": {"org.opencontainers.image.created": "2024-05-01T00:00:00Z"}
})";

TEST(IndexTest, ParsesOciIndexWithPlatforms) {
  auto index = ParseIndex(kOciIndexText);
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_EQ(index->schema_version, 2);
  EXPECT_EQ(index->media_type, media::kOciIndex);
  ASSERT_EQ(index->manifests.size(), 4u);
  const auto& m = index->manifests;
  ASSERT_TRUE(m[0].platform);
  EXPECT_EQ(m[0].platform->String(), "linux/amd64");
  EXPECT_EQ(m[0].digest, D('1'));
  EXPECT_EQ(m[0].size, 1000);
  ASSERT_TRUE(m[1].platform);
  EXPECT_EQ(*m[1].platform, (Platform{.os = "linux", .architecture = "arm", .variant = "v7"}));
  EXPECT_EQ(m[1].platform->String(), "linux/arm/v7");
  ASSERT_TRUE(m[2].platform);
  EXPECT_EQ(m[2].platform->os_version, "10.0.17763.1");
  EXPECT_EQ(m[2].platform->os_features, std::vector<std::string>{"win32k"});
  EXPECT_EQ(m[3].annotations.at("vnd.docker.reference.type"), "attestation-manifest");
  EXPECT_EQ(m[3].platform->String(), "unknown/unknown");
  EXPECT_EQ(index->annotations.size(), 1u);
}

TEST(IndexTest, ParsesDockerManifestList) {
  std::string text = R"({"schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests": [
      {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 528,
       "digest": ")" +
                     Sha('a') + R"(",
       "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
      {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 528,
       "digest": ")" +
                     Sha('b') + R"(",
       "platform": {"architecture": "386", "os": "linux"}}]})";
  auto index = ParseIndex(text);
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_EQ(index->media_type, media::kDockerManifestList);
  EXPECT_TRUE(media::IsIndex(index->media_type));
  ASSERT_EQ(index->manifests.size(), 2u);
  EXPECT_TRUE(media::IsManifest(index->manifests[0].media_type));
  EXPECT_EQ(index->manifests[0].platform->String(), "linux/arm64/v8");
  EXPECT_EQ(index->manifests[1].platform->String(), "linux/386");
}

TEST(IndexTest, MediaTypeOptionalAndEmptyListAllowed) {
  auto index = ParseIndex(R"({"schemaVersion": 2, "manifests": [], "extra": [1]})");
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_EQ(index->media_type, "");
  EXPECT_TRUE(index->manifests.empty());
}

TEST(IndexTest, PlatformWithoutOsOrArchitectureStillParses) {
  auto index = ParseIndex(R"({"schemaVersion": 2, "manifests": [{"mediaType": "x",
      "digest": ")" + Sha('a') +
                          R"(", "size": 1, "platform": {}}]})");
  ASSERT_TRUE(index) << index.error().message;
  ASSERT_TRUE(index->manifests[0].platform);
  EXPECT_EQ(*index->manifests[0].platform, Platform{});
}

struct BadCase {
  const char* name;
  std::function<void(Json&)> mutate;
  ErrorCode code;
  std::string message;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }
std::string CaseName(const testing::TestParamInfo<BadCase>& info) { return info.param.name; }

class BadIndexTest : public testing::TestWithParam<BadCase> {};

TEST_P(BadIndexTest, FailsNamingTheField) {
  Json j = Json::parse(kOciIndexText);
  GetParam().mutate(j);
  auto index = ParseIndex(j.dump());
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().code, GetParam().code) << index.error().message;
  EXPECT_EQ(index.error().message, GetParam().message);
}

constexpr auto kInval = ErrorCode::kInvalidArgument;

const std::vector<BadCase> kBadIndexCases = {
    BadCase{"no_manifests", [](Json& j) { j.erase("manifests"); }, kInval,
            "parse index: field 'manifests': missing"},
    BadCase{"manifests_object", [](Json& j) { j["manifests"] = Json::object(); }, kInval,
            "parse index: field 'manifests': expected array, got object"},
    BadCase{"manifest_type", [](Json& j) { j["mediaType"] = media::kDockerManifest; }, kInval,
            "parse index: media type 'application/vnd.docker.distribution.manifest.v2+json'"
            " is a manifest, not an index"},
    BadCase{"unknown_type", [](Json& j) { j["mediaType"] = "text/plain"; }, kInval,
            "parse index: field 'mediaType': 'text/plain' is not an index media type"},
    BadCase{"no_schema_version", [](Json& j) { j.erase("schemaVersion"); }, kInval,
            "parse index: field 'schemaVersion': missing"},
    BadCase{"entry_no_size", [](Json& j) { j["manifests"][3].erase("size"); }, kInval,
            "parse index: field 'manifests[3].size': missing"},
    BadCase{
        "entry_bad_digest",
        [](Json& j) { j["manifests"][0]["digest"] = "sha256:" + std::string(64, 'G'); }, kInval,
        "parse index: field 'manifests[0].digest': invalid sha256 digest " + std::string(64, 'G')},
    BadCase{"platform_array", [](Json& j) { j["manifests"][1]["platform"] = {1}; }, kInval,
            "parse index: field 'manifests[1].platform': expected object, got array"},
    BadCase{"platform_os_number", [](Json& j) { j["manifests"][1]["platform"]["os"] = 1; }, kInval,
            "parse index: field 'manifests[1].platform.os': expected string, got number"},
    BadCase{"platform_arch_null_ok_but_variant_bad",
            [](Json& j) {
              j["manifests"][1]["platform"]["variant"] = {
                  {"v", 7},
              };
            },
            kInval,
            "parse index: field 'manifests[1].platform.variant': expected string, got "
            "object"},
    BadCase{"platform_os_version_number",
            [](Json& j) { j["manifests"][2]["platform"]["os.version"] = 10; }, kInval,
            "parse index: field 'manifests[2].platform.os.version': expected string, got "
            "number"},
    BadCase{"platform_feature_number",
            [](Json& j) {
              j["manifests"][2]["platform"]["os.features"] = {"a", 2};
            },
            kInval,
            "parse index: field 'manifests[2].platform.os.features[1]': expected string, "
            "got number"},
    BadCase{"annotation_value_bool", [](Json& j) { j["manifests"][3]["annotations"]["x"] = false; },
            kInval,
            "parse index: field 'manifests[3].annotations.x': expected string, got "
            "boolean"}};

INSTANTIATE_TEST_SUITE_P(Cases, BadIndexTest, testing::ValuesIn(kBadIndexCases), CaseName);

TEST(IndexTest, CanonicalJsonGoldenAndRoundTrip) {
  Index index;
  index.media_type = media::kOciIndex;
  index.manifests.push_back({.media_type = std::string(media::kOciManifest),
                             .digest = D('1'),
                             .size = 10,
                             .platform = Platform{.os = "linux", .architecture = "amd64"}});
  index.manifests.push_back({.media_type = std::string(media::kOciManifest),
                             .digest = D('2'),
                             .size = 11,
                             .platform = Platform{.os = "windows",
                                                  .architecture = "amd64",
                                                  .os_version = "10.0",
                                                  .os_features = {"win32k"}}});
  index.annotations = {{"a", "b"}};
  const std::string golden =
      R"({"annotations":{"a":"b"},"manifests":[{"digest":")" + Sha('1') +
      R"(","mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("platform":{"architecture":"amd64","os":"linux"},"size":10},{"digest":")" +
      Sha('2') +
      R"(","mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("platform":{"architecture":"amd64","os":"windows","os.features":["win32k"],)"
      R"("os.version":"10.0"},"size":11}],)"
      R"("mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2})";
  EXPECT_EQ(ToJson(index), golden);
  auto back = ParseIndex(golden);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->media_type, index.media_type);
  EXPECT_EQ(back->manifests, index.manifests);
  EXPECT_EQ(back->annotations, index.annotations);
  EXPECT_EQ(ToJson(*back), golden);
}

TEST(IndexTest, ParseOfRealIndexIsStableThroughToJson) {
  auto first = ParseIndex(kOciIndexText);
  ASSERT_TRUE(first) << first.error().message;
  std::string canonical = ToJson(*first);
  auto second = ParseIndex(canonical);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->manifests, first->manifests);
  EXPECT_EQ(ToJson(*second), canonical);
  // "features" is reserved by image-spec and not modelled, so it is dropped.
  EXPECT_EQ(canonical.find("\"features\""), std::string::npos);
}

}  // namespace
}  // namespace berth::store
