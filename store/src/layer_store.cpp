#include "berth/store/layer_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <random>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/staged.hpp"

namespace berth::store {

namespace {

std::string RecordToJson(const LayerRecord& r) {
  nlohmann::json j;
  j["diff_id"] = r.diff_id.String();
  j["size"] = r.size;
  j["link"] = r.link;
  nlohmann::json blobs = nlohmann::json::array();
  for (const auto& b : r.blobs) blobs.push_back(b.String());
  j["blobs"] = blobs;
  return j.dump();
}

Result<LayerRecord> RecordFromJson(std::string_view text) {
  LayerRecord r;
  try {
    auto j = nlohmann::json::parse(text);
    BERTH_ASSIGN_OR_RETURN(r.diff_id, DiffId::Parse(j.at("diff_id").get<std::string>()));
    r.size = j.at("size").get<uint64_t>();
    r.link = j.at("link").get<std::string>();
    for (const auto& b : j.at("blobs")) {
      BERTH_ASSIGN_OR_RETURN(Digest d, Digest::Parse(b.get<std::string>()));
      r.blobs.push_back(d);
    }
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("parse layer.json: ") + e.what());
  }
  if (r.link.empty() || r.link.find('/') != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "parse layer.json: bad link");
  }
  return r;
}

std::string RandomLinkId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(16, 'a');
  for (char& c : s) c = kChars[rng() % (sizeof kChars - 1)];
  return s;
}

}  // namespace

LayerStore::LayerStore(fs::path root) : root_(std::move(root)) {}

fs::path LayerStore::DiffDir(const DiffId& id) const {
  return root_ / "layers" / id.hex() / "diff";
}

bool LayerStore::Has(const DiffId& id) const {
  return ::access((root_ / "layers" / id.hex() / "layer.json").c_str(), F_OK) == 0;
}

Result<LayerRecord> LayerStore::Get(const DiffId& id) const {
  auto text = ReadFile(root_ / "layers" / id.hex() / "layer.json", 1 << 20);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound, "layer " + id.String() + " not found");
    }
    return std::move(text).error().Context("layer " + id.Short());
  }
  auto r = RecordFromJson(*text);
  if (!r) return std::move(r).error().Context("layer " + id.Short());
  return r;
}

// Creates l/<id> -> ../layers/<hex>/diff. The link may dangle until the layer directory is
// renamed into place; GC removes links whose layer never arrived.
Result<std::string> LayerStore::MakeLink(const DiffId& id) {
  std::string target = "../layers/" + id.hex() + "/diff";
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string link = RandomLinkId();
    fs::path p = root_ / "l" / link;
    if (::symlink(target.c_str(), p.c_str()) == 0) return link;
    if (errno != EEXIST) return SysError("create link " + Quote(p.string()), errno);
  }
  return MakeError(ErrorCode::kInternal, "create layer link: no free name");
}

static Result<void> Notify(const AdoptObserver& observe, AdoptStep step) {
  if (!observe) return Ok();
  return observe(step);
}

static Result<LayerRecord> FinishLayer(const fs::path& root, StagedDir& staged, LayerRecord rec,
                                       LayerStore& store, const AdoptObserver& observe = {}) {
  fs::path link_path = root / "l" / rec.link;
  auto written = WriteFileAtomic(staged.path() / "layer.json", RecordToJson(rec));
  if (written) written = Notify(observe, AdoptStep::kRecorded);
  if (!written) {
    ::unlink(link_path.c_str());
    return written.error();
  }
  auto r = staged.Commit(root / "layers" / rec.diff_id.hex());
  if (!r) {
    ::unlink(link_path.c_str());
    if (r.error().code != ErrorCode::kAlreadyExists) return std::move(r).error();
    // Another process committed the same layer first; its record is the one that counts.
    for (const auto& b : rec.blobs) BERTH_TRY(store.AddBlob(rec.diff_id, b));
    return store.Get(rec.diff_id);
  }
  BERTH_TRY(Notify(observe, AdoptStep::kLayerStored));
  return rec;
}

Result<LayerRecord> LayerStore::Unpack(Reader& blob, const Digest& blob_digest,
                                       const DiffId* expected, const UnpackOptions& options) {
  if (expected && Has(*expected)) {
    BERTH_TRY(AddBlob(*expected, blob_digest));
    return Get(*expected);
  }
  auto ctx = [&](Error e) { return std::move(e).Context("unpack layer " + blob_digest.Short()); };
  BERTH_ASSIGN_OR_RETURN(StagedDir staged, StagedDir::Create(root_ / "tmp"));
  if (::mkdir((staged.path() / "diff").c_str(), 0755) < 0) {
    return ctx(SysError("mkdir " + Quote((staged.path() / "diff").string()), errno));
  }
  BERTH_ASSIGN_OR_RETURN(UniqueFd diff_fd,
                         berth::Open(staged.path() / "diff", O_RDONLY | O_DIRECTORY));
  auto stats = UnpackLayer(blob, diff_fd.get(), options);
  if (!stats) return ctx(std::move(stats).error());
  if (stats->blob_digest != blob_digest) {
    return ctx(MakeError(ErrorCode::kDigestMismatch,
                         "digest mismatch (got " + stats->blob_digest.String() + ")"));
  }
  if (expected && stats->diff_id != *expected) {
    return ctx(MakeError(ErrorCode::kDigestMismatch, "diff_id mismatch: config says " +
                                                         expected->String() + ", layer is " +
                                                         stats->diff_id.String()));
  }
  LayerRecord rec;
  rec.diff_id = stats->diff_id;
  rec.size = stats->tar_size;
  rec.blobs = {blob_digest};
  if (!expected && Has(rec.diff_id)) {
    BERTH_TRY(AddBlob(rec.diff_id, blob_digest));
    return Get(rec.diff_id);
  }
  BERTH_ASSIGN_OR_RETURN(rec.link, MakeLink(rec.diff_id));
  auto r = FinishLayer(root_, staged, rec, *this);
  if (!r) return ctx(std::move(r).error());
  return r;
}

Result<LayerRecord> LayerStore::Adopt(const fs::path& dir, const DiffId& id, uint64_t size,
                                      const Digest& blob, const AdoptObserver& observe) {
  if (Has(id)) {
    BERTH_TRY(RemoveTree(dir));
    BERTH_TRY(AddBlob(id, blob));
    return Get(id);
  }
  BERTH_ASSIGN_OR_RETURN(StagedDir staged, StagedDir::Create(root_ / "tmp"));
  // From this rename on, the directory belongs to the stage: a failure removes it with the
  // stage, a crash leaves it in tmp/ for garbage collection.
  if (::rename(dir.c_str(), (staged.path() / "diff").c_str()) < 0) {
    int err = errno;
    std::string what = "move " + Quote(dir.string()) + " into the store";
    if (err == EXDEV) {
      return MakeError(ErrorCode::kInvalidArgument,
                       what + ": it is on another filesystem or mount than the store");
    }
    return SysError(what, err);
  }
  BERTH_TRY(Notify(observe, AdoptStep::kDirStaged));
  LayerRecord rec;
  rec.diff_id = id;
  rec.size = size;
  rec.blobs = {blob};
  BERTH_ASSIGN_OR_RETURN(rec.link, MakeLink(id));
  if (auto r = Notify(observe, AdoptStep::kLinked); !r) {
    ::unlink((root_ / "l" / rec.link).c_str());
    return r.error();
  }
  return FinishLayer(root_, staged, rec, *this, observe);
}

Result<void> LayerStore::AddBlob(const DiffId& id, const Digest& blob) {
  BERTH_ASSIGN_OR_RETURN(LayerRecord rec, Get(id));
  for (const auto& b : rec.blobs) {
    if (b == blob) return Ok();
  }
  // Concurrent AddBlob calls may drop one another's entry; the list only helps skip work.
  rec.blobs.push_back(blob);
  return WriteFileAtomic(root_ / "layers" / id.hex() / "layer.json", RecordToJson(rec));
}

Result<void> LayerStore::Remove(const DiffId& id) {
  fs::path dir = root_ / "layers" / id.hex();
  auto rec = Get(id);
  // Rename first, so the layer disappears at once and a crash mid-removal leaves only a
  // stage for the next GC.
  std::string tmpl = (root_ / "tmp" / "rm-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return SysError("remove layer " + id.Short(), errno);
  fs::path dest = fs::path(tmpl) / "layer";
  if (::rename(dir.c_str(), dest.c_str()) < 0) {
    int err = errno;
    ::rmdir(tmpl.c_str());
    if (err == ENOENT) return Ok();
    return SysError("remove layer " + id.Short(), err);
  }
  if (rec) ::unlink((root_ / "l" / rec->link).c_str());
  return RemoveTree(tmpl);
}

Result<std::vector<DiffId>> LayerStore::List() const {
  BERTH_ASSIGN_OR_RETURN(auto names, ListDir(root_ / "layers"));
  std::vector<DiffId> out;
  for (const auto& n : names) {
    auto d = Digest::FromHex(n);
    if (d) out.emplace_back(*d);
  }
  return out;
}

}  // namespace berth::store
