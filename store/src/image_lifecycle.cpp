// Store operations that change which images exist: tag, remove, prune.
#include <sys/stat.h>

#include <algorithm>

#include "berth/base/strings.hpp"
#include "berth/store/reference.hpp"
#include "berth/store/store.hpp"

namespace berth::store {

fs::path Store::ImageMountPoint(const ImageRecord& image) const {
  return mounts_dir() / image.config.hex() / "merged";
}

bool Store::IsImageMounted(const ImageRecord& image) const {
  fs::path merged = ImageMountPoint(image);
  struct stat a, b;
  if (::stat(merged.c_str(), &a) < 0 || ::stat(merged.parent_path().c_str(), &b) < 0) {
    return false;
  }
  return a.st_dev != b.st_dev;
}

Result<void> Store::Tag(const ImageRecord& image, const std::string& name) {
  ImageRecord rec = image;
  rec.names = {name};
  rec.digests.clear();
  return images_.Put(rec);
}

Result<RemoveReport> Store::RemoveImage(std::string_view name_or_id) {
  BERTH_ASSIGN_OR_RETURN(ImageRecord image, FindImage(name_or_id));
  if (IsImageMounted(image)) {
    return MakeError(ErrorCode::kBusy, "image " + image.config.Short() + " is mounted",
                     "run 'berth image unmount " + std::string(name_or_id) + "' first");
  }
  std::string name;
  if (auto ref = Reference::Parse(name_or_id); ref && !ref->digest) {
    std::string full = ref->String();
    if (std::find(image.names.begin(), image.names.end(), full) != image.names.end()) name = full;
  }
  RemoveReport report;
  BERTH_ASSIGN_OR_RETURN(auto holders, HoldersOf(image));
  BERTH_TRY(images_.Update([&](std::vector<ImageRecord>& records) -> Result<void> {
    for (auto it = records.begin(); it != records.end(); ++it) {
      if (it->manifest != image.manifest) continue;
      if (!name.empty() && it->names.size() > 1) {
        std::erase(it->names, name);
        report.untagged.push_back(name);
      } else if (!holders.empty()) {
        return MakeError(ErrorCode::kBusy,
                         "image " + image.config.Short() + " is in use by container " +
                             holders.front().substr(0, 12),
                         "remove the container first ('berth rm " +
                             holders.front().substr(0, 12) + "')");
      } else {
        report.untagged = it->names;
        report.deleted.push_back(it->config);
        records.erase(it);
      }
      return Ok();
    }
    return MakeError(ErrorCode::kNotFound, "image " + Quote(name_or_id) + " not known");
  }));
  if (!report.deleted.empty()) BERTH_TRY(GarbageCollect());
  return report;
}

Result<RemoveReport> Store::PruneImages() {
  RemoveReport report;
  BERTH_ASSIGN_OR_RETURN(auto holds, Holds());
  auto held = [&](const ImageRecord& r) {
    return std::any_of(holds.begin(), holds.end(),
                       [&](const ImageHold& h) { return h.image.manifest == r.manifest; });
  };
  BERTH_TRY(images_.Update([&](std::vector<ImageRecord>& records) -> Result<void> {
    std::erase_if(records, [&](const ImageRecord& r) {
      if (!r.names.empty() || IsImageMounted(r) || held(r)) return false;
      report.deleted.push_back(r.config);
      return true;
    });
    return Ok();
  }));
  BERTH_TRY(GarbageCollect());
  return report;
}

}  // namespace berth::store
