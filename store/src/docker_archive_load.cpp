// Loading a docker-archive (what `docker save` and skopeo's docker-archive: write).
//
// The archive is read in one pass. Its index, manifest.json, may come last (docker save puts
// it at the end), so every other member is hashed as it streams by and kept: small ones in
// memory, the rest staged in the store's tmp dir. Once manifest.json is known, the members it
// names become blobs (a staged layer is renamed into blobs/, not copied again) and berth
// builds an OCI manifest for each image: the config keeps its bytes, hence the image id
// docker shows, and each layer is stored as it was in the archive.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "archive_internal.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/compression.hpp"
#include "berth/store/oci.hpp"
#include "berth/store/reference.hpp"
#include "berth/store/staged.hpp"
#include "tar_stream.hpp"

namespace berth::store {

namespace {

constexpr uint64_t kMaxJson = 16 << 20;
// Members up to kInMemoryMax bytes stay in memory until together they reach kInMemoryBudget;
// the rest go to disk, so memory stays bounded however big the image is.
constexpr int64_t kInMemoryMax = 1 << 20;
constexpr uint64_t kInMemoryBudget = 64 << 20;
// docker save links a layer that two images share; a longer chain than this is a loop.
constexpr int kMaxLinkDepth = 8;

struct DockerManifestEntry {
  std::string config;
  std::vector<std::string> repo_tags;
  std::vector<std::string> layers;
};

Result<std::vector<DockerManifestEntry>> ParseDockerManifest(std::string_view json) {
  std::vector<DockerManifestEntry> out;
  std::string field = "manifest.json";
  try {
    nlohmann::json j = nlohmann::json::parse(json);
    if (!j.is_array()) {
      return MakeError(ErrorCode::kInvalidArgument, "manifest.json: not a JSON array");
    }
    for (size_t i = 0; i < j.size(); ++i) {
      const nlohmann::json& e = j[i];
      std::string at = "manifest.json[" + std::to_string(i) + "].";
      DockerManifestEntry d;
      field = at + "Config";
      d.config = NormalizeMemberName(e.at("Config").get<std::string>());
      field = at + "RepoTags";
      if (e.contains("RepoTags") && !e["RepoTags"].is_null()) {
        d.repo_tags = e["RepoTags"].get<std::vector<std::string>>();
      }
      field = at + "Layers";
      for (const auto& l : e.at("Layers").get<std::vector<std::string>>()) {
        d.layers.push_back(NormalizeMemberName(l));
      }
      out.push_back(std::move(d));
    }
  } catch (const nlohmann::json::exception& ex) {
    return MakeError(ErrorCode::kInvalidArgument, "parse " + field + ": " + ex.what());
  }
  return out;
}

// A member of the archive, hashed on the way in.
struct Member {
  Digest digest;
  int64_t size = 0;
  Compression compression = Compression::kNone;
  std::string bytes;               // a small member
  std::optional<StagedFile> file;  // a large one, until it is renamed into blobs/
  bool stored = false;             // its blob is in the store
};

class MemberSet {
 public:
  explicit MemberSet(fs::path tmp_dir) : tmp_dir_(std::move(tmp_dir)) {}
  Result<void> Read(TarReader& tar, const TarMember& m);
  void AddLink(const TarMember& m);
  // The member called `name`, following links; kNotFound naming it.
  Result<Member*> Find(const std::string& name);
  Result<std::string> Bytes(Member& m) const;
  Result<void> Store(BlobStore& blobs, Member& m) const;

 private:
  fs::path tmp_dir_;
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> links_;
  uint64_t in_memory_ = 0;
};

Result<void> MemberSet::Read(TarReader& tar, const TarMember& m) {
  Member mem;
  HashingReader in(tar.data());
  std::byte head[8] = {};
  size_t head_len = 0;
  if (m.size <= kInMemoryMax && in_memory_ + static_cast<uint64_t>(m.size) <= kInMemoryBudget) {
    BERTH_ASSIGN_OR_RETURN(mem.bytes, ReadAll(in, kInMemoryMax));
    in_memory_ += mem.bytes.size();
    head_len = std::min(sizeof head, mem.bytes.size());
    std::memcpy(head, mem.bytes.data(), head_len);
  } else {
    BERTH_ASSIGN_OR_RETURN(StagedFile f, StagedFile::Create(tmp_dir_));
    FdWriter out(f.fd());
    auto copied = Copy(in, out);
    if (!copied) return copied.error().Context("stage " + Quote(m.name));
    ssize_t n = ::pread(f.fd(), head, sizeof head, 0);
    if (n < 0) return SysError("read back " + Quote(f.path().string()), errno);
    head_len = static_cast<size_t>(n);
    mem.file = std::move(f);
  }
  mem.size = static_cast<int64_t>(in.size());
  mem.digest = in.Finish();
  mem.compression = DetectCompression(std::span<const std::byte>(head, head_len));
  members_[m.name] = std::move(mem);
  return Ok();
}

void MemberSet::AddLink(const TarMember& m) {
  // A symlink's target is relative to its own directory; a hardlink's to the archive root.
  std::string target = m.link;
  if (m.type == TarMember::Type::kSymlink) {
    target = (fs::path(m.name).parent_path() / m.link).lexically_normal().string();
  }
  links_[m.name] = NormalizeMemberName(target);
}

Result<Member*> MemberSet::Find(const std::string& name) {
  std::string n = name;
  for (int depth = 0; depth <= kMaxLinkDepth; ++depth) {
    if (auto it = members_.find(n); it != members_.end()) return &it->second;
    auto link = links_.find(n);
    if (link == links_.end()) break;
    n = link->second;
  }
  return MakeError(ErrorCode::kNotFound, Quote(name) + ": not in the archive");
}

Result<std::string> MemberSet::Bytes(Member& m) const {
  if (!m.file) return m.bytes;
  if (::lseek(m.file->fd(), 0, SEEK_SET) < 0) {
    return SysError("seek " + Quote(m.file->path().string()), errno);
  }
  FdReader in(m.file->fd());
  return ReadAll(in, kMaxJson);
}

Result<void> MemberSet::Store(BlobStore& blobs, Member& m) const {
  if (m.stored) return Ok();
  if (m.file) {
    // The stage already lives in the store's tmp dir and its digest was computed from the
    // bytes written to it, so it enters blobs/ by rename, as BlobStore::Ingest's stages do.
    auto r = m.file->Commit(blobs.PathOf(m.digest));
    if (!r && r.error().code != ErrorCode::kAlreadyExists) return r;
    m.file.reset();
  } else {
    BERTH_TRY(blobs.Put(m.bytes));
  }
  m.stored = true;
  return Ok();
}

std::string_view LayerMediaType(Compression c) {
  switch (c) {
    case Compression::kGzip:
      return media::kOciLayerGzip;
    case Compression::kZstd:
      return media::kOciLayerZstd;
    case Compression::kNone:
      break;
  }
  return media::kOciLayerTar;
}

Result<std::vector<std::string>> NormalizeRepoTags(const std::vector<std::string>& tags) {
  std::vector<std::string> names;
  for (const std::string& t : tags) {
    auto ref = Reference::Parse(t);
    if (!ref) return ref.error().Context("repo tag " + Quote(t));
    names.push_back(ref->String());
  }
  return names;
}

Result<Descriptor> StoreLayer(BlobStore& blobs, MemberSet& members, const std::string& name,
                              const DiffId& diff_id) {
  BERTH_ASSIGN_OR_RETURN(Member * layer, members.Find(name));
  // An uncompressed layer is its own diff_id: a wrong one is caught here, before unpacking.
  if (layer->compression == Compression::kNone && layer->digest != diff_id.digest()) {
    return MakeError(ErrorCode::kDigestMismatch,
                     "layer " + Quote(name) + " is " + layer->digest.String() +
                         " but the config's diff_id is " + diff_id.String());
  }
  BERTH_TRY(members.Store(blobs, *layer));
  Descriptor d;
  d.media_type = std::string(LayerMediaType(layer->compression));
  d.digest = layer->digest;
  d.size = layer->size;
  return d;
}

Result<PendingImage> BuildImage(Store& store, MemberSet& members, const DockerManifestEntry& e) {
  BERTH_ASSIGN_OR_RETURN(Member * cfg, members.Find(e.config));
  BERTH_ASSIGN_OR_RETURN(std::string config_json, members.Bytes(*cfg));
  auto config = ParseImageConfig(config_json);
  if (!config) return config.error().Context("config " + Quote(e.config));
  if (config->diff_ids.size() != e.layers.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "config " + Quote(e.config) + " lists " +
                                                      std::to_string(config->diff_ids.size()) +
                                                      " diff_ids but there are " +
                                                      std::to_string(e.layers.size()) + " layers");
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, NormalizeRepoTags(e.repo_tags));
  BERTH_TRY(members.Store(store.blobs(), *cfg));
  Manifest m;
  m.schema_version = 2;
  m.media_type = std::string(media::kOciManifest);
  m.config.media_type = std::string(media::kOciConfig);
  m.config.digest = cfg->digest;
  m.config.size = cfg->size;
  for (size_t i = 0; i < e.layers.size(); ++i) {
    BERTH_ASSIGN_OR_RETURN(Descriptor d,
                           StoreLayer(store.blobs(), members, e.layers[i], config->diff_ids[i]));
    m.layers.push_back(std::move(d));
  }
  BERTH_ASSIGN_OR_RETURN(Digest manifest, store.blobs().Put(ToJson(m)));
  return PendingImage{manifest, std::move(names)};
}

}  // namespace

Result<std::vector<PendingImage>> LoadDockerArchive(Store& store, const fs::path& file) {
  BERTH_ASSIGN_OR_RETURN(auto tar, TarReader::OpenFile(file));
  std::optional<std::string> manifest_json;
  MemberSet members(store.tmp_dir());
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::optional<TarMember> m, tar->Next());
    if (!m) break;
    if (m->type == TarMember::Type::kSymlink || m->type == TarMember::Type::kHardlink) {
      members.AddLink(*m);
    } else if (m->type != TarMember::Type::kFile || m->name == "repositories") {
      continue;  // `repositories` repeats RepoTags for docker < 1.10
    } else if (m->name == "manifest.json") {
      BERTH_ASSIGN_OR_RETURN(manifest_json, ReadAll(tar->data(), kMaxJson));
    } else {
      BERTH_TRY(members.Read(*tar, *m));
    }
  }
  if (!manifest_json) {
    return MakeError(ErrorCode::kInvalidArgument, "no manifest.json in the archive");
  }
  BERTH_ASSIGN_OR_RETURN(auto entries, ParseDockerManifest(*manifest_json));
  std::vector<PendingImage> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto image = BuildImage(store, members, entries[i]);
    if (!image) return image.error().Context("manifest.json[" + std::to_string(i) + "]");
    out.push_back(std::move(*image));
  }
  return out;
}

}  // namespace berth::store
