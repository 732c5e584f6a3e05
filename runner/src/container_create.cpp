// CreateContainer: the record, the image hold and the volumes of a new container.
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "berth/runner/run.hpp"
#include "berth/runner/volume_store.hpp"
#include "berth/store/store.hpp"
#include "container_prepare.hpp"

namespace berth::runner {

namespace {

void RemoveVolumes(VolumeStore& volumes, const std::vector<std::string>& names) {
  for (const auto& n : names) (void)volumes.Remove(n, true, {});
}

// Names every anonymous volume (the user's and the image's VOLUMEs) by creating it; returns
// the names created.
Result<std::vector<std::string>> CreateAnonymousVolumes(const store::Store& store,
                                                        const store::ImageView& view,
                                                        RunOptions& o) {
  auto image_volumes = ImageVolumes(view.config.config.volumes, o.mounts);
  o.mounts.insert(o.mounts.end(), image_volumes.begin(), image_volumes.end());
  SortForMounting(o.mounts);
  bool any = std::any_of(o.mounts.begin(), o.mounts.end(), [](const MountRequest& m) {
    return m.type == MountRequest::Type::kVolume;
  });
  std::vector<std::string> made;
  if (!any) return made;
  BERTH_ASSIGN_OR_RETURN(VolumeStore volumes, VolumeStore::Open(store));
  for (auto& m : o.mounts) {
    if (m.type != MountRequest::Type::kVolume || !m.source.empty()) continue;
    auto v = volumes.Create(CreateVolumeOptions{});
    if (!v) {
      RemoveVolumes(volumes, made);
      return std::move(v).error();
    }
    m.source = v->name;
    made.push_back(v->name);
  }
  return made;
}

}  // namespace

Result<ContainerRecord> CreateContainer(const fs::path& store_root, RunOptions o) {
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  BERTH_TRY(ValidateResourceLimits(o.limits, cpus > 0 ? static_cast<int>(cpus) : 1));
  BERTH_TRY(ValidateMounts(o.mounts));
  // Bad --cap-add, --security-opt or --ulimit values fail here, before anything exists.
  BERTH_TRY(PreparePrivileges(PrivilegeOptionsOf(o), store_root / "cache" / "seccomp"));
  BERTH_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(store_root));
  BERTH_ASSIGN_OR_RETURN(store::ImageRecord image, store.FindImage(o.image));
  BERTH_ASSIGN_OR_RETURN(store::ImageView view, store.ReadImage(image));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> anonymous,
                         CreateAnonymousVolumes(store, view, o));
  // A container that is not created leaves no volume of its own behind.
  auto drop_volumes = [&] {
    if (anonymous.empty()) return;
    if (auto volumes = VolumeStore::Open(store)) RemoveVolumes(*volumes, anonymous);
  };
  ContainerRecord rec;
  rec.name = o.name;
  rec.hostname = o.hostname;
  rec.image = o.image;
  rec.image_id = image.config.String();
  rec.image_manifest = image.manifest.String();
  rec.created = NowNanos();
  rec.config_json = RunOptionsToJson(o);
  ContainerStore containers(store_root);
  auto created = containers.Create(rec);
  if (!created) {
    drop_volumes();
    return std::move(created).error();
  }
  rec = std::move(*created);
  if (auto held = store.HoldImage(rec.id, image); !held) {
    (void)containers.Remove(rec.id);
    drop_volumes();
    return std::move(held).error();
  }
  return rec;
}

}  // namespace berth::runner
