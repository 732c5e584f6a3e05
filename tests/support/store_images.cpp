#include "support/store_images.hpp"

#include <gtest/gtest.h>

namespace berth::testing {

TestLayer PutLayer(store::Store& store, const TarBuilder& layer) {
  std::string tar = layer.Build();
  std::string gz = layer.Build(TarCompression::kGzip);
  TestLayer out;
  out.diff_id = store::DiffId(store::Digest::Of(tar));
  auto d = store.blobs().Put(gz);
  EXPECT_TRUE(d) << d.error().ToString();
  if (d) out.blob.digest = *d;
  out.blob.media_type = OciLayerMediaType(TarCompression::kGzip);
  out.blob.size = static_cast<int64_t>(gz.size());
  return out;
}

store::Digest PutImage(store::Store& store, const std::vector<TestLayer>& layers,
                       const std::string& created) {
  store::ImageConfig config;
  config.created = created;
  config.architecture = "amd64";
  config.os = "linux";
  config.config.env = {"PATH=/bin"};
  config.config.cmd = std::vector<std::string>{"sh"};
  store::Manifest manifest;
  manifest.media_type = std::string(store::media::kOciManifest);
  for (const auto& l : layers) {
    config.diff_ids.push_back(l.diff_id);
    manifest.layers.push_back(l.blob);
  }
  std::string config_json = store::ToJson(config);
  auto cd = store.blobs().Put(config_json);
  EXPECT_TRUE(cd) << cd.error().ToString();
  if (!cd) return {};
  manifest.config.media_type = std::string(store::media::kOciConfig);
  manifest.config.digest = *cd;
  manifest.config.size = static_cast<int64_t>(config_json.size());
  auto md = store.blobs().Put(store::ToJson(manifest));
  EXPECT_TRUE(md) << md.error().ToString();
  return md ? *md : store::Digest();
}

}  // namespace berth::testing
