// Container commit: upper dir -> layer blob -> config -> manifest -> image record, each step
// entering the store complete (see the header for the ordering argument).
#include "berth/runner/container_commit.hpp"

#include <fcntl.h>
#include <time.h>

#include <algorithm>

#include "berth/base/fs.hpp"
#include "berth/base/io.hpp"
#include "berth/base/strings.hpp"
#include "berth/runner/container_files.hpp"
#include "berth/runner/container_store.hpp"
#include "berth/runner/image_config_change.hpp"
#include "berth/store/layer_commit.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/reference.hpp"
#include "berth/store/staged.hpp"
#include "berth/store/store.hpp"

namespace berth::runner {

namespace {

namespace media = store::media;
using store::Descriptor;
using store::Digest;

// Not among store's constants: Docker's uncompressed layer and OCI's non-distributable one.
constexpr std::string_view kDockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";
constexpr std::string_view kOciForeignLayerGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
constexpr std::string_view kBaseDigestAnnotation = "org.opencontainers.image.base.digest";
constexpr std::string_view kBaseNameAnnotation = "org.opencontainers.image.base.name";

int64_t NowNanos() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool IsDocker(const store::Manifest& m) {
  return m.media_type == media::kDockerManifest || m.config.media_type == media::kDockerConfig;
}

// The same layer bytes described for the other manifest kind.
Result<std::string> LayerTypeFor(const std::string& type, bool docker) {
  if (docker) {
    if (type == media::kOciLayerGzip || type == media::kDockerLayerGzip) {
      return std::string(media::kDockerLayerGzip);
    }
    if (type == media::kOciLayerTar || type == kDockerLayerTar) return std::string(kDockerLayerTar);
    if (type == kOciForeignLayerGzip || type == media::kDockerForeignLayerGzip) {
      return std::string(media::kDockerForeignLayerGzip);
    }
  } else {
    if (type == media::kDockerLayerGzip) return std::string(media::kOciLayerGzip);
    if (type == kDockerLayerTar) return std::string(media::kOciLayerTar);
    if (type == media::kDockerForeignLayerGzip) return std::string(kOciForeignLayerGzip);
    return type;
  }
  return MakeError(ErrorCode::kUnsupported,
                   "layer type " + Quote(type) + " has no Docker schema2 equivalent",
                   "commit with --format oci");
}

// The image name the container's image was run by, if that name still points at it.
std::string BaseName(const store::Store& s, const ContainerRecord& c, const Digest& manifest) {
  auto ref = store::Reference::Parse(c.image);
  if (!ref || ref->digest) return "";
  auto records = s.images().List();
  if (!records) return "";
  for (const auto& r : *records) {
    if (r.manifest != manifest) continue;
    if (std::find(r.names.begin(), r.names.end(), ref->String()) != r.names.end()) {
      return ref->String();
    }
  }
  return "";
}

// Writes the upper dir as a gzip layer blob into the store.
Result<store::CommitStats> CommitUpperDir(store::Store& s, const fs::path& upper) {
  // O_NOFOLLOW: upper itself must be the directory, not a link out of the container dir;
  // CommitLayer walks below it fd-relative without following links.
  BERTH_ASSIGN_OR_RETURN(UniqueFd upper_fd, Open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  BERTH_ASSIGN_OR_RETURN(store::StagedFile staged, store::StagedFile::Create(s.tmp_dir()));
  FdWriter out(staged.fd());
  BERTH_ASSIGN_OR_RETURN(store::CommitStats stats,
                         store::CommitLayer(upper_fd.get(), out,
                                            {.compression = store::Compression::kGzip,
                                             .exclude = ProvidedFileMountpoints(upper_fd.get())}));
  // The digest was computed over exactly the bytes written to the stage.
  auto committed = staged.Commit(s.blobs().PathOf(stats.digest));
  if (!committed && committed.error().code != ErrorCode::kAlreadyExists) {
    return std::move(committed).error();
  }
  return stats;
}

struct ComposeInput {
  const store::ImageView* base = nullptr;
  const store::CommitStats* layer = nullptr;
  const CommitContainerOptions* options = nullptr;
  store::ContainerConfig runtime;  // the base's with the changes applied
  std::string created;             // RFC 3339
  std::string created_by;
  bool docker = false;
  std::string base_name;
};

store::ImageConfig ComposeConfig(const ComposeInput& in) {
  store::ImageConfig c = in.base->config;
  c.created = in.created;
  if (!in.options->author.empty()) c.author = in.options->author;
  c.config = in.runtime;
  c.diff_ids.push_back(in.layer->diff_id);
  store::HistoryEntry h;
  h.created = in.created;
  h.created_by = in.created_by;
  h.author = in.options->author;
  h.comment = in.options->message;
  c.history.push_back(std::move(h));
  return c;
}

Result<store::Manifest> ComposeManifest(const ComposeInput& in, const Descriptor& config) {
  store::Manifest m;
  m.schema_version = 2;
  m.media_type = std::string(in.docker ? media::kDockerManifest : media::kOciManifest);
  m.config = config;
  for (Descriptor d : in.base->manifest.layers) {
    BERTH_ASSIGN_OR_RETURN(d.media_type, LayerTypeFor(d.media_type, in.docker));
    if (in.docker) d.annotations.clear();
    m.layers.push_back(std::move(d));
  }
  Descriptor layer;
  layer.digest = in.layer->digest;
  layer.size = static_cast<int64_t>(in.layer->size);
  BERTH_ASSIGN_OR_RETURN(layer.media_type, LayerTypeFor(in.layer->media_type, in.docker));
  m.layers.push_back(std::move(layer));
  if (!in.docker) {
    // As buildah records the image a commit builds on (image-spec annotations.md).
    m.annotations[std::string(kBaseDigestAnnotation)] = in.base->record.manifest.String();
    if (!in.base_name.empty()) m.annotations[std::string(kBaseNameAnnotation)] = in.base_name;
  }
  return m;
}

void Report(const CommitContainerOptions& o, const std::string& line) {
  if (o.progress) o.progress(line);
}

// Config and manifest blobs for the new image; returns the manifest digest.
Result<Digest> WriteImageDocuments(store::Store& s, const ComposeInput& in) {
  const CommitContainerOptions& o = *in.options;
  for (const auto& l : in.base->manifest.layers) {
    Report(o, "Copying blob " + l.digest.Short() + " skipped: already exists");
  }
  Report(o, "Copying blob " + in.layer->digest.Short() + " done");
  std::string config_json = ToJson(ComposeConfig(in));
  BERTH_ASSIGN_OR_RETURN(Digest config_digest, s.blobs().Put(config_json));
  Report(o, "Copying config " + config_digest.Short() + " done");
  Descriptor config;
  config.media_type = std::string(in.docker ? media::kDockerConfig : media::kOciConfig);
  config.digest = config_digest;
  config.size = static_cast<int64_t>(config_json.size());
  BERTH_ASSIGN_OR_RETURN(store::Manifest m, ComposeManifest(in, config));
  Report(o, "Writing manifest to image destination");
  return s.blobs().Put(ToJson(m));
}

Result<std::vector<std::string>> TargetNames(const std::string& image_name) {
  if (image_name.empty()) return std::vector<std::string>{};
  BERTH_ASSIGN_OR_RETURN(store::Reference ref, store::Reference::Parse(image_name));
  if (ref.digest) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "image name " + Quote(image_name) + ": a name cannot contain a digest");
  }
  return std::vector<std::string>{ref.String()};
}

Result<store::ImageView> ReadBaseImage(const store::Store& s, const ContainerRecord& c) {
  store::ImageRecord base;
  BERTH_ASSIGN_OR_RETURN(base.manifest, Digest::Parse(c.image_manifest));
  BERTH_ASSIGN_OR_RETURN(base.config, Digest::Parse(c.image_id));
  // The container's hold keeps these blobs even if the image lost its names since.
  return s.ReadImage(base);
}

}  // namespace

Result<CommitContainerResult> CommitContainer(const fs::path& store_root,
                                              const CommitContainerOptions& o) {
  std::string what = "commit " + o.container;
  auto ctx = [&](Error e) { return std::move(e).Context(what); };
  auto names = TargetNames(o.image_name);
  if (!names) return ctx(std::move(names).error());
  auto s = store::Store::Open(store_root);
  if (!s) return ctx(std::move(s).error());
  ContainerStore containers(store_root);
  auto rec = containers.Find(o.container);
  if (!rec) return ctx(std::move(rec).error());
  auto state = containers.LoadState(rec->id);
  if (!state) return ctx(std::move(state).error());
  bool running = state->status == ContainerStatus::kRunning;
  if (running && o.pause) {
    return ctx(MakeError(ErrorCode::kUnsupported, "pausing a running container is not supported",
                         "commit without --pause, or after the container exits"));
  }
  auto base = ReadBaseImage(*s, *rec);
  if (!base) return ctx(std::move(base).error());

  ComposeInput in;
  in.base = &*base;
  in.options = &o;
  in.runtime = base->config.config;
  if (auto r = ApplyConfigChanges(o.changes, in.runtime); !r) return ctx(r.error());
  in.docker = o.format == CommitFormat::kDocker ||
              (o.format == CommitFormat::kSameAsBase && IsDocker(base->manifest));
  int64_t now = o.created_ns.value_or(NowNanos());
  in.created = FormatRfc3339(now / 1000000000, static_cast<int32_t>(now % 1000000000));
  in.created_by = Join(rec->command, " ");
  in.base_name = BaseName(*s, *rec, base->record.manifest);

  Report(o, "Getting image source signatures");
  auto layer = CommitUpperDir(*s, containers.Dir(rec->id) / "upper");
  if (!layer) return ctx(std::move(layer).error().Context("commit upper dir"));
  in.layer = &*layer;
  auto manifest = WriteImageDocuments(*s, in);
  if (!manifest) return ctx(std::move(manifest).error());
  // Unpacks the new layer (the others are present) and writes the record last.
  auto image = s->CommitImage(*manifest, *names);
  if (!image) return ctx(std::move(image).error());

  CommitContainerResult result;
  result.image = std::move(*image);
  result.layer_diff_id = layer->diff_id;
  result.layer_digest = layer->digest;
  result.layer_size = layer->size;
  result.was_running = running;
  return result;
}

}  // namespace berth::runner
