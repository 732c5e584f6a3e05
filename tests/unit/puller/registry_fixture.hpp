// A fake registry on a FakeTransport: ping challenge, token server, manifests and blobs for a
// small image built from real gzip layers, so Pull can run end to end without a network.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "berth/store/digest.hpp"
#include "fake_transport.hpp"
#include "support/tar_builder.hpp"

namespace berth::puller::testing {

inline constexpr const char* kReg = "https://reg.test";
inline constexpr const char* kTokenUrl =
    "https://auth.test/token?service=reg.test&scope=repository%3Aapp%3Apull";

struct FakeImage {
  std::vector<std::string> layers;  // gzip blobs
  std::vector<std::string> diff_ids;
  std::string config;
  std::string manifest;
  std::string Digest(const std::string& s) const { return store::Digest::Of(s).String(); }
};

inline FakeImage MakeImage(int layers) {
  FakeImage img;
  nlohmann::json diff_ids = nlohmann::json::array();
  nlohmann::json descs = nlohmann::json::array();
  for (int i = 0; i < layers; ++i) {
    berth::testing::TarBuilder tb;
    tb.Dir("etc").File("etc/file" + std::to_string(i), "content " + std::to_string(i));
    std::string tar = tb.Build();
    std::string gz = tb.Build(berth::testing::TarCompression::kGzip);
    img.layers.push_back(gz);
    img.diff_ids.push_back(store::Digest::Of(tar).String());
    diff_ids.push_back(img.diff_ids.back());
    descs.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                     {"digest", img.Digest(gz)},
                     {"size", gz.size()}});
  }
  nlohmann::json cfg = {{"architecture", "amd64"},
                        {"os", "linux"},
                        {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  img.config = cfg.dump();
  nlohmann::json m = {{"schemaVersion", 2},
                      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                      {"config",
                       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                        {"digest", img.Digest(img.config)},
                        {"size", img.config.size()}}},
                      {"layers", descs}};
  img.manifest = m.dump();
  return img;
}

inline FakeResponse Json(const std::string& body, const std::string& media_type) {
  return FakeResponse{200, {{"content-type", media_type}}, body, -1};
}

// Ping answers 401 with a Bearer challenge; the token server hands out "tok".
inline void AddAuth(FakeTransport& t) {
  t.On("GET", std::string(kReg) + "/v2/",
       FakeResponse{401,
                    {{"www-authenticate",
                      R"(Bearer realm="https://auth.test/token",service="reg.test")"}},
                    "",
                    -1});
  t.On("GET", kTokenUrl, FakeResponse{200, {}, R"({"token":"tok","expires_in":300})", -1});
}

inline void AddImage(FakeTransport& t, const FakeImage& img, const std::string& tag) {
  const std::string base = std::string(kReg) + "/v2/app/";
  t.On("GET", base + "manifests/" + tag,
       Json(img.manifest, "application/vnd.oci.image.manifest.v1+json"));
  t.On("GET", base + "blobs/" + img.Digest(img.config), FakeResponse{200, {}, img.config, -1});
  for (const auto& l : img.layers) {
    t.On("GET", base + "blobs/" + img.Digest(l), FakeResponse{200, {}, l, -1});
  }
}

}  // namespace berth::puller::testing
