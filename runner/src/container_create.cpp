// CreateContainer: the record, the image hold and the volumes of a new container.
#include <unistd.h>

#include "berth/runner/run.hpp"
#include "berth/runner/volume_store.hpp"
#include "berth/store/store.hpp"
#include "container_prepare.hpp"

namespace berth::runner {

namespace {

// Names every anonymous volume (the user's and the image's VOLUMEs) by creating it.
Result<void> CreateAnonymousVolumes(const store::Store& store, const store::ImageView& view,
                                    RunOptions& o) {
  auto image_volumes = ImageVolumes(view.config.config.volumes, o.mounts);
  o.mounts.insert(o.mounts.end(), image_volumes.begin(), image_volumes.end());
  SortForMounting(o.mounts);
  bool any = std::any_of(o.mounts.begin(), o.mounts.end(), [](const MountRequest& m) {
    return m.type == MountRequest::Type::kVolume;
  });
  if (!any) return Ok();
  BERTH_ASSIGN_OR_RETURN(VolumeStore volumes, VolumeStore::Open(store));
  for (auto& m : o.mounts) {
    if (m.type != MountRequest::Type::kVolume || !m.source.empty()) continue;
    BERTH_ASSIGN_OR_RETURN(VolumeRecord v, volumes.Create(CreateVolumeOptions{}));
    m.source = v.name;
  }
  return Ok();
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
  BERTH_TRY(CreateAnonymousVolumes(store, view, o));
  ContainerRecord rec;
  rec.name = o.name;
  rec.hostname = o.hostname;
  rec.image = o.image;
  rec.image_id = image.config.String();
  rec.image_manifest = image.manifest.String();
  rec.created = NowNanos();
  rec.config_json = RunOptionsToJson(o);
  ContainerStore containers(store_root);
  BERTH_ASSIGN_OR_RETURN(rec, containers.Create(rec));
  if (auto held = store.HoldImage(rec.id, image); !held) {
    (void)containers.Remove(rec.id);
    return std::move(held).error();
  }
  return rec;
}

}  // namespace berth::runner
