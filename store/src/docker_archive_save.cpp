// Saving images as a docker-archive, the format `docker save` writes and `docker load`,
// `podman load` and skopeo's docker-archive: read.
//
// Layout (docker 1.10+): `<config hex>.json` (the config bytes as stored, so the image id is
// kept), `<diff_id hex>/layer.tar` (the layer UNCOMPRESSED: its sha256 is its diff_id),
// `manifest.json` and `repositories`. Members come in a fixed order with mtime 0, so saving
// the same images twice gives the same bytes.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "archive_internal.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/compression.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/reference.hpp"
#include "replacing_file.hpp"
#include "tar_stream.hpp"

namespace berth::store {

namespace {

constexpr int64_t kMtime = 0;

// "busybox:latest" for docker.io/library/busybox:latest, "quay.io/a/b:1" otherwise: the
// short form docker writes in RepoTags. Digest-only references have no tag to write.
std::optional<std::pair<std::string, std::string>> FamiliarRepoTag(const std::string& name) {
  auto ref = Reference::Parse(name);
  if (!ref || ref->tag.empty()) return std::nullopt;
  std::string repo = ref->Name();
  if (ref->registry == "docker.io") {
    repo = ref->repository;
    if (repo.starts_with("library/") && repo.find('/', 8) == std::string::npos) {
      repo = repo.substr(8);
    }
  }
  return std::make_pair(repo, ref->tag);
}

// One image in the archive, with every name it is saved under.
struct ImageGroup {
  const ImageView* view = nullptr;
  std::vector<std::string> names;
};

std::vector<ImageGroup> GroupByImage(const std::vector<SaveItem>& items) {
  std::vector<ImageGroup> groups;
  for (const SaveItem& item : items) {
    ImageGroup* g = nullptr;
    for (ImageGroup& existing : groups) {
      if (existing.view->record.manifest == item.image.record.manifest) g = &existing;
    }
    if (!g) g = &groups.emplace_back(ImageGroup{&item.image, {}});
    if (!item.name.empty()) g->names.push_back(item.name);
  }
  return groups;
}

// One member of the archive: a directory, inline bytes, or a layer blob to decompress.
struct Member {
  std::string name;
  bool dir = false;
  std::string data;
  std::optional<Digest> blob;
  DiffId diff_id;
  int64_t size = 0;  // uncompressed
};

// The uncompressed size of a layer: known from the layer store, or counted by decompressing.
Result<int64_t> UncompressedSize(const Store& store, const Digest& blob, const DiffId& diff_id) {
  auto rec = store.layers().Get(diff_id);
  if (rec && rec->size > 0) return static_cast<int64_t>(rec->size);
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, store.blobs().Open(blob));
  FdReader file(fd.get());
  BERTH_ASSIGN_OR_RETURN(auto in, DecompressReader::Open(file));
  HashingWriter counter(nullptr);
  BERTH_ASSIGN_OR_RETURN(uint64_t n, Copy(*in, counter));
  return static_cast<int64_t>(n);
}

std::string Dump(const nlohmann::json& j) {
  // replace: a dump that meets invalid UTF-8 must not throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<Member>> PlanArchive(const Store& store, const std::vector<SaveItem>& items) {
  std::vector<Member> plan;
  std::set<std::string> written;
  nlohmann::json manifest = nlohmann::json::array();
  std::map<std::string, std::map<std::string, std::string>> repositories;
  for (const ImageGroup& g : GroupByImage(items)) {
    const ImageView& v = *g.view;
    std::string what = "image " + v.record.config.Short();
    if (v.config.diff_ids.size() != v.manifest.layers.size()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       what + ": manifest and config disagree on the number of layers");
    }
    nlohmann::json layers = nlohmann::json::array();
    for (size_t i = 0; i < v.config.diff_ids.size(); ++i) {
      const DiffId& id = v.config.diff_ids[i];
      std::string path = id.hex() + "/layer.tar";
      layers.push_back(path);
      if (!written.insert(path).second) continue;
      const Digest& blob = v.manifest.layers[i].digest;
      auto size = UncompressedSize(store, blob, id);
      if (!size) return size.error().Context(what + ": layer " + blob.String());
      plan.push_back({.name = id.hex(), .dir = true});
      plan.push_back({.name = path, .blob = blob, .diff_id = id, .size = *size});
    }
    std::string config_name = v.record.config.hex() + ".json";
    if (written.insert(config_name).second) {
      plan.push_back({.name = config_name, .data = v.config_json});
    }
    nlohmann::json tags = nullptr;  // docker save writes null for an image saved by id
    for (const std::string& name : g.names) {
      auto rt = FamiliarRepoTag(name);
      if (!rt) continue;
      tags.push_back(rt->first + ":" + rt->second);
      if (!v.config.diff_ids.empty()) {
        repositories[rt->first][rt->second] = v.config.diff_ids.back().hex();
      }
    }
    manifest.push_back({{"Config", config_name}, {"RepoTags", tags}, {"Layers", layers}});
  }
  plan.push_back({.name = "manifest.json", .data = Dump(manifest)});
  if (!repositories.empty()) {
    plan.push_back({.name = "repositories", .data = Dump(repositories)});
  }
  return plan;
}

// Writes a layer uncompressed, checking on the way that it is the layer the config names.
Result<void> WriteLayer(const Store& store, TarWriter& tar, const Member& m) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, store.blobs().Open(*m.blob));
  FdReader file(fd.get());
  BERTH_ASSIGN_OR_RETURN(auto plain, DecompressReader::Open(file));
  HashingReader hashed(*plain);
  BERTH_TRY(tar.AddStream(m.name, m.size, hashed, kMtime));
  Digest got = hashed.Finish();
  if (got != m.diff_id.digest()) {
    return MakeError(ErrorCode::kDigestMismatch, "layer blob " + m.blob->String() +
                                                     " decompresses to " + got.String() +
                                                     ", not to its diff_id " + m.diff_id.String());
  }
  return Ok();
}

}  // namespace

Result<void> SaveDockerArchive(const Store& store, const std::vector<SaveItem>& items,
                               const fs::path& path) {
  BERTH_ASSIGN_OR_RETURN(std::vector<Member> plan, PlanArchive(store, items));
  BERTH_ASSIGN_OR_RETURN(ReplacingFile out, ReplacingFile::Create(path));
  FdWriter writer(out.fd());
  BERTH_ASSIGN_OR_RETURN(auto tar, TarWriter::Open(writer));
  for (const Member& m : plan) {
    if (m.dir) {
      BERTH_TRY(tar->AddDir(m.name, kMtime));
    } else if (m.blob) {
      BERTH_TRY(WriteLayer(store, *tar, m));
    } else {
      BERTH_TRY(tar->AddFile(m.name, m.data, kMtime));
    }
  }
  BERTH_TRY(tar->Close());
  return out.Commit();
}

}  // namespace berth::store
