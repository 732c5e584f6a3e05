#include "berth/store/image_store.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"

namespace berth::store {

std::string ImageRecordsToJson(const std::vector<ImageRecord>& records) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : records) {
    nlohmann::json j;
    j["manifest"] = r.manifest.String();
    j["config"] = r.config.String();
    j["names"] = r.names;
    j["digests"] = r.digests;
    j["created"] = r.created;
    j["added"] = r.added;
    j["size"] = r.size;
    list.push_back(std::move(j));
  }
  nlohmann::json doc;
  doc["version"] = 1;
  doc["images"] = std::move(list);
  return doc.dump(1) + "\n";
}

Result<std::vector<ImageRecord>> ImageRecordsFromJson(std::string_view json) {
  std::vector<ImageRecord> out;
  try {
    auto doc = nlohmann::json::parse(json);
    for (const auto& j : doc.at("images")) {
      ImageRecord r;
      BERTH_ASSIGN_OR_RETURN(r.manifest, Digest::Parse(j.at("manifest").get<std::string>()));
      BERTH_ASSIGN_OR_RETURN(r.config, Digest::Parse(j.at("config").get<std::string>()));
      r.names = j.at("names").get<std::vector<std::string>>();
      r.digests = j.value("digests", std::vector<std::string>{});
      r.created = j.value("created", int64_t{0});
      r.added = j.value("added", int64_t{0});
      r.size = j.value("size", uint64_t{0});
      out.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("parse images.json: ") + e.what());
  }
  return out;
}

ImageStore::ImageStore(fs::path root) : root_(std::move(root)) {}

Result<std::vector<ImageRecord>> ImageStore::List() const {
  auto text = ReadFile(root_ / "images.json");
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return std::vector<ImageRecord>{};
    return std::move(text).error();
  }
  return ImageRecordsFromJson(*text);
}

Result<void> ImageStore::Update(
    const std::function<Result<void>(std::vector<ImageRecord>&)>& change) {
  BERTH_ASSIGN_OR_RETURN(FileLock lock,
                         FileLock::Acquire(root_ / "images.lock", FileLock::Mode::kExclusive));
  BERTH_ASSIGN_OR_RETURN(std::vector<ImageRecord> records, List());
  std::string before = ImageRecordsToJson(records);
  BERTH_TRY(change(records));
  std::string after = ImageRecordsToJson(records);
  if (after == before) return Ok();  // a re-pull changes nothing: no write, no fsync
  return WriteFileAtomic(root_ / "images.json", after);
}

static void AddUnique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& s : from) {
    if (std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
  }
}

Result<void> ImageStore::Put(const ImageRecord& rec) {
  return Update([&](std::vector<ImageRecord>& records) -> Result<void> {
    for (auto& r : records) {
      if (r.manifest == rec.manifest) continue;
      std::erase_if(r.names, [&](const std::string& n) {
        return std::find(rec.names.begin(), rec.names.end(), n) != rec.names.end();
      });
    }
    for (auto& r : records) {
      if (r.manifest == rec.manifest) {
        AddUnique(r.names, rec.names);
        AddUnique(r.digests, rec.digests);
        r.size = rec.size;
        r.created = rec.created;
        return Ok();
      }
    }
    ImageRecord added = rec;
    if (added.added == 0) added.added = static_cast<int64_t>(std::time(nullptr));
    records.push_back(std::move(added));
    return Ok();
  });
}

}  // namespace berth::store
