#include "step_image.hpp"

namespace berth::builder {

namespace media = store::media;

Result<ImageState> StateOf(const store::Store& s, const store::ImageRecord& image) {
  BERTH_ASSIGN_OR_RETURN(store::ImageView view, s.ReadImage(image));
  ImageState state;
  state.config = std::move(view.config);
  for (store::Descriptor d : view.manifest.layers) {
    // A build writes OCI manifests; Docker's layer types have OCI names.
    if (d.media_type == media::kDockerLayerGzip) d.media_type = std::string(media::kOciLayerGzip);
    d.annotations.clear();
    state.layers.push_back(std::move(d));
  }
  state.record = image;
  return state;
}

ImageState ScratchState(const store::Platform& platform) {
  ImageState state;
  state.config.os = platform.os.empty() ? "linux" : platform.os;
  state.config.architecture = platform.architecture;
  state.config.variant = platform.variant;
  return state;
}

Result<void> CommitStep(store::Store& s, ImageState& state, const std::optional<StepLayer>& layer,
                        const std::string& created_by, const std::string& created) {
  store::ImageConfig& c = state.config;
  c.created = created;
  if (layer) {
    c.diff_ids.push_back(layer->diff_id);
    store::Descriptor d;
    d.media_type = layer->media_type;
    d.digest = layer->digest;
    d.size = static_cast<int64_t>(layer->size);
    state.layers.push_back(std::move(d));
  }
  store::HistoryEntry h;
  h.created = created;
  h.created_by = created_by;
  h.empty_layer = !layer;
  c.history.push_back(std::move(h));

  return RecordImage(s, state);
}

Result<void> RecordImage(store::Store& s, ImageState& state) {
  std::string config_json = store::ToJson(state.config);
  BERTH_ASSIGN_OR_RETURN(store::Digest config_digest, s.blobs().Put(config_json));
  store::Manifest m;
  m.schema_version = 2;
  m.media_type = std::string(media::kOciManifest);
  m.config.media_type = std::string(media::kOciConfig);
  m.config.digest = config_digest;
  m.config.size = static_cast<int64_t>(config_json.size());
  m.layers = state.layers;
  BERTH_ASSIGN_OR_RETURN(store::Digest manifest, s.blobs().Put(store::ToJson(m)));
  BERTH_ASSIGN_OR_RETURN(state.record, s.CommitImage(manifest, {}));
  return Ok();
}

}  // namespace berth::builder
