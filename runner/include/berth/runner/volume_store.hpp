// VolumeStore: named and anonymous volumes under `<store root>/volumes/`, as podman keeps them.
//
// A volume is a directory `<root>/volumes/<name>/` holding `_data/` (the mount source, mode
// 0755, owned by whoever created it: root for a rootful berth) and `volume.json` (its
// record). A volume's name follows podman's rule `[a-zA-Z0-9][a-zA-Z0-9_.-]*`; an anonymous
// volume (from `-v /ctr`, `--mount type=volume` without a source, or an image's VOLUME) gets a
// random 64-hex-digit name and the Anonymous flag.
//
// A volume enters the store whole: it is built under the store's tmp/ and renamed into
// volumes/ (store/staged.hpp), and it leaves by a rename back into tmp/ before its tree is
// deleted, so a crash at any instant leaves a complete volume or none. Changes (create,
// remove, prune, flag updates) are serialised across threads and processes by the flock
// `<root>/volumes.lock`; readers take no lock, because every volume.json is replaced
// atomically.
//
// Which volumes are in use is not known here: containers live in another store. Callers pass
// `VolumeUsers` (volume name -> the containers using it) to Remove and Prune.
//
// The Store given to Open must outlive the VolumeStore: its shared lock keeps garbage
// collection from sweeping this object's stages out of tmp/. Copyable (it holds paths only);
// its methods may be called from several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/store/store.hpp"

namespace berth::runner {

namespace fs = std::filesystem;

struct VolumeRecord {
  std::string name;
  std::string driver = "local";
  fs::path mountpoint;     // <root>/volumes/<name>/_data, what a container mounts
  std::string created_at;  // RFC 3339 with nanoseconds, UTC
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;  // driver options; always empty for now
  std::string scope = "local";
  bool anonymous = false;
  // podman's NeedsCopyUp: the first container that mounts this volume copies the image's
  // content at the mount destination into it (if the volume is still empty), then clears it
  // with VolumeStore::MarkCopiedUp.
  bool needs_copy_up = true;

  bool operator==(const VolumeRecord&) const = default;
};

// Volume name -> names (or ids) of the containers that use it. Absent or empty: unused.
using VolumeUsers = std::map<std::string, std::vector<std::string>>;

struct CreateVolumeOptions {
  std::string name;  // empty: an anonymous volume with a random 64-hex-digit name
  std::map<std::string, std::string> labels;
};

// True if `name` is a valid volume name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 bytes.
bool IsValidVolumeName(std::string_view name);

class VolumeStore {
 public:
  // Opens the volumes of `store`, creating `<root>/volumes/` if needed.
  static Result<VolumeStore> Open(const store::Store& store);

  const fs::path& dir() const { return dir_; }

  // Creates a volume and returns its record. kInvalidArgument for a bad name (the message
  // gives the rule); kAlreadyExists ("volume with name 'x' already exists") if the name is
  // taken -- callers wanting podman's `create --ignore` treat that code as success and Get
  // the volume. Not idempotent by design. Atomic: on any failure nothing is left behind.
  Result<VolumeRecord> Create(const CreateVolumeOptions& options) const;

  // The volume called exactly `name`, creating it (not anonymous, no labels) if it does not
  // exist: what `run -v NAME:/dir` needs. Safe against a concurrent create of the same name.
  Result<VolumeRecord> Ensure(const std::string& name) const;

  // The volume called exactly `name`. kNotFound ("no such volume 'x'"); kInvalidArgument if
  // its volume.json is unreadable.
  Result<VolumeRecord> Get(const std::string& name) const;

  // podman's lookup: the volume called `name_or_prefix`, else the one volume whose name
  // starts with it. kNotFound if none matches; kInvalidArgument if several do.
  Result<VolumeRecord> Find(const std::string& name_or_prefix) const;

  // Every volume, sorted by name. Fails (naming the volume) if a volume.json is unreadable,
  // so that the user sees it; `Remove(name, true, ...)` still removes such a volume.
  Result<std::vector<VolumeRecord>> List() const;

  // Removes the volume called exactly `name` and its data. kNotFound if absent; kBusy
  // ("volume 'x' is being used by container(s) a, b") if `users` lists containers for it,
  // unless `force` (the caller must then remove or have removed those containers, as podman
  // does). Atomic: the volume disappears from List at once, then its tree is deleted.
  Result<void> Remove(const std::string& name, bool force, const VolumeUsers& users) const;

  // Removes every volume (named or anonymous, as podman does) that `users` does not list.
  // Returns the removed names, sorted.
  Result<std::vector<std::string>> Prune(const VolumeUsers& users) const;

  // Clears needs_copy_up once a container has copied the image's content into the volume.
  // kNotFound if the volume is gone. Idempotent.
  Result<void> MarkCopiedUp(const std::string& name) const;

 private:
  VolumeStore(fs::path dir, fs::path tmp_dir);
  fs::path VolumeDir(const std::string& name) const { return dir_ / name; }
  Result<VolumeRecord> CreateLocked(const std::string& name, bool anonymous,
                                    const std::map<std::string, std::string>& labels) const;
  Result<void> RemoveLocked(const std::string& name) const;

  fs::path dir_;      // <root>/volumes
  fs::path tmp_dir_;  // <root>/tmp
  fs::path lock_path_;
};

// Serialisation of volume.json in podman's inspect shape; with `mount_count` (how many
// running containers have it mounted, which the file does not keep) it is `berth volume
// inspect`'s object. The mountpoint is not trusted from the file: ParseVolumeJson sets it
// from `mountpoint`.
std::string VolumeToJson(const VolumeRecord& volume, std::optional<int> mount_count = {});
Result<VolumeRecord> ParseVolumeJson(std::string_view json, const fs::path& mountpoint);

}  // namespace berth::runner
