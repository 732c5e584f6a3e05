#include "berth/runner/volume_store.hpp"

#include <sys/random.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <nlohmann/json.hpp>

#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/staged.hpp"

namespace berth::runner {

namespace {

constexpr std::string_view kNameRule = "[a-zA-Z0-9][a-zA-Z0-9_.-]*";

Result<std::string> RandomName() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError("getrandom", errno);
    }
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string NowRfc3339() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return FormatRfc3339(ts.tv_sec, static_cast<int32_t>(ts.tv_nsec));
}

bool Exists(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

Error NoSuchVolume(std::string_view name) {
  return MakeError(ErrorCode::kNotFound, "no such volume " + Quote(name));
}

bool InUse(const VolumeUsers& users, const std::string& name) {
  auto it = users.find(name);
  return it != users.end() && !it->second.empty();
}

Result<FileLock> LockVolumes(const fs::path& lock_path) {
  return FileLock::Acquire(lock_path, FileLock::Mode::kExclusive);
}

}  // namespace

bool IsValidVolumeName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

std::string VolumeToJson(const VolumeRecord& v, std::optional<int> mount_count) {
  nlohmann::ordered_json j;
  j["Name"] = v.name;
  j["Driver"] = v.driver;
  j["Mountpoint"] = v.mountpoint.string();
  j["CreatedAt"] = v.created_at;
  j["Labels"] = v.labels;
  j["Scope"] = v.scope;
  j["Options"] = v.options;
  j["Anonymous"] = v.anonymous;
  if (mount_count) j["MountCount"] = *mount_count;
  j["NeedsCopyUp"] = v.needs_copy_up;
  return j.dump(1) + "\n";
}

Result<VolumeRecord> ParseVolumeJson(std::string_view json, const fs::path& mountpoint) {
  VolumeRecord v;
  try {
    auto j = nlohmann::json::parse(json);
    v.name = j.at("Name").get<std::string>();
    v.driver = j.value("Driver", std::string("local"));
    v.created_at = j.at("CreatedAt").get<std::string>();
    v.labels = j.value("Labels", std::map<std::string, std::string>{});
    v.scope = j.value("Scope", std::string("local"));
    v.options = j.value("Options", std::map<std::string, std::string>{});
    v.anonymous = j.value("Anonymous", false);
    v.needs_copy_up = j.value("NeedsCopyUp", true);
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("parse volume.json: ") + e.what());
  }
  v.mountpoint = mountpoint;
  return v;
}

VolumeStore::VolumeStore(fs::path dir, fs::path tmp_dir)
    : dir_(std::move(dir)), tmp_dir_(std::move(tmp_dir)) {
  lock_path_ = dir_.parent_path() / "volumes.lock";
}

Result<VolumeStore> VolumeStore::Open(const store::Store& store) {
  fs::path dir = store.root() / "volumes";
  auto r = MakeDirs(dir);
  if (!r) return std::move(r).error().Context("open volumes");
  return VolumeStore(dir, store.tmp_dir());
}

Result<VolumeRecord> VolumeStore::CreateLocked(
    const std::string& name, bool anonymous,
    const std::map<std::string, std::string>& labels) const {
  fs::path dest = VolumeDir(name);
  if (Exists(dest)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     "volume with name " + Quote(name) + " already exists");
  }
  BERTH_ASSIGN_OR_RETURN(store::StagedDir stage, store::StagedDir::Create(tmp_dir_));
  fs::path data = stage.path() / "_data";
  // Explicit chmod: mkdir's mode is filtered by the umask.
  if (::mkdir(data.c_str(), 0755) < 0) return SysError("mkdir " + Quote(data.string()), errno);
  if (::chmod(data.c_str(), 0755) < 0) return SysError("chmod " + Quote(data.string()), errno);
  VolumeRecord rec;
  rec.name = name;
  rec.mountpoint = dest / "_data";
  rec.created_at = NowRfc3339();
  rec.labels = labels;
  rec.anonymous = anonymous;
  BERTH_TRY(WriteFileAtomic(stage.path() / "volume.json", VolumeToJson(rec)));
  BERTH_TRY(stage.Commit(dest));
  return rec;
}

Result<VolumeRecord> VolumeStore::Create(const CreateVolumeOptions& options) const {
  std::string what =
      options.name.empty() ? "create volume" : "create volume " + Quote(options.name);
  if (!options.name.empty() && !IsValidVolumeName(options.name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     what + ": names must match " + std::string(kNameRule));
  }
  auto lock = LockVolumes(lock_path_);
  if (!lock) return std::move(lock).error().Context(what);
  std::string name = options.name;
  if (name.empty()) {
    // 256 random bits: a clash with an existing name is not worth a retry loop; it would
    // fail as kAlreadyExists.
    auto random = RandomName();
    if (!random) return std::move(random).error().Context(what);
    name = std::move(*random);
  }
  auto rec = CreateLocked(name, options.name.empty(), options.labels);
  if (!rec) return std::move(rec).error().Context(what);
  return rec;
}

Result<VolumeRecord> VolumeStore::Ensure(const std::string& name) const {
  auto got = Get(name);
  if (got || got.error().code != ErrorCode::kNotFound) return got;
  if (!IsValidVolumeName(name)) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "create volume " + Quote(name) + ": names must match " + std::string(kNameRule));
  }
  auto lock = LockVolumes(lock_path_);
  if (!lock) return std::move(lock).error().Context("create volume " + Quote(name));
  // Another process may have created it between Get and the lock.
  got = Get(name);
  if (got || got.error().code != ErrorCode::kNotFound) return got;
  auto rec = CreateLocked(name, false, {});
  if (!rec) return std::move(rec).error().Context("create volume " + Quote(name));
  return rec;
}

Result<VolumeRecord> VolumeStore::Get(const std::string& name) const {
  // Validating first also keeps "../x" or "a/b" from naming a path outside volumes/.
  if (!IsValidVolumeName(name)) return NoSuchVolume(name);
  fs::path vdir = VolumeDir(name);
  auto text = ReadFile(vdir / "volume.json", 1 << 20);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound && !Exists(vdir)) return NoSuchVolume(name);
    return std::move(text).error().Context("read volume " + Quote(name));
  }
  auto rec = ParseVolumeJson(*text, vdir / "_data");
  if (!rec) return std::move(rec).error().Context("read volume " + Quote(name));
  if (rec->name != name) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "read volume " + Quote(name) + ": volume.json names " + Quote(rec->name));
  }
  return rec;
}

Result<VolumeRecord> VolumeStore::Find(const std::string& name_or_prefix) const {
  auto exact = Get(name_or_prefix);
  if (exact || exact.error().code != ErrorCode::kNotFound || name_or_prefix.empty()) {
    return exact;
  }
  BERTH_ASSIGN_OR_RETURN(auto names, ListDir(dir_));
  std::vector<std::string> matches;
  for (const auto& n : names) {
    if (IsValidVolumeName(n) && n.starts_with(name_or_prefix)) matches.push_back(n);
  }
  if (matches.empty()) return exact;
  if (matches.size() > 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "more than one volume matches " + Quote(name_or_prefix));
  }
  return Get(matches[0]);
}

Result<std::vector<VolumeRecord>> VolumeStore::List() const {
  auto names = ListDir(dir_);
  if (!names) return std::move(names).error().Context("list volumes");
  std::sort(names->begin(), names->end());
  std::vector<VolumeRecord> out;
  for (const auto& n : *names) {
    if (!IsValidVolumeName(n)) continue;
    auto rec = Get(n);
    // A volume removed by another process since ListDir is simply gone.
    if (!rec && rec.error().code == ErrorCode::kNotFound) continue;
    if (!rec) return std::move(rec).error().Context("list volumes");
    out.push_back(std::move(*rec));
  }
  return out;
}

Result<void> VolumeStore::RemoveLocked(const std::string& name) const {
  // The rename makes the removal atomic for readers and crash-safe: an interrupted delete
  // leaves a stage in tmp/ that garbage collection sweeps, never half a volume.
  BERTH_ASSIGN_OR_RETURN(store::StagedDir trash, store::StagedDir::Create(tmp_dir_));
  fs::path from = VolumeDir(name);
  fs::path to = trash.path() / name;
  if (::rename(from.c_str(), to.c_str()) < 0) {
    if (errno == ENOENT) return NoSuchVolume(name);
    return SysError("rename " + Quote(from.string()) + " to " + Quote(to.string()), errno);
  }
  BERTH_TRY(FsyncPath(dir_));
  // The volume is gone for every reader now; `trash` deletes the tree as it goes out of
  // scope, and what it cannot delete (a mount left on _data) stays in tmp/ for GC.
  return Ok();
}

Result<void> VolumeStore::Remove(const std::string& name, bool force,
                                 const VolumeUsers& users) const {
  std::string what = "remove volume " + Quote(name);
  auto missing = [&] { return MakeError(ErrorCode::kNotFound, what + ": no such volume"); };
  if (!IsValidVolumeName(name)) return missing();
  auto lock = LockVolumes(lock_path_);
  if (!lock) return std::move(lock).error().Context(what);
  if (!Exists(VolumeDir(name))) return missing();
  if (!force && InUse(users, name)) {
    return MakeError(ErrorCode::kBusy,
                     what + ": it is being used by container(s) " + Join(users.at(name), ", "),
                     "remove those containers first, or use --force");
  }
  auto r = RemoveLocked(name);
  if (!r) return std::move(r).error().Context(what);
  return Ok();
}

Result<std::vector<std::string>> VolumeStore::Prune(const VolumeUsers& users) const {
  auto lock = LockVolumes(lock_path_);
  if (!lock) return std::move(lock).error().Context("prune volumes");
  auto names = ListDir(dir_);
  if (!names) return std::move(names).error().Context("prune volumes");
  std::sort(names->begin(), names->end());
  std::vector<std::string> removed;
  for (const auto& n : *names) {
    if (!IsValidVolumeName(n) || InUse(users, n)) continue;
    auto r = RemoveLocked(n);
    if (!r) return std::move(r).error().Context("prune volumes: remove " + Quote(n));
    removed.push_back(n);
  }
  return removed;
}

Result<void> VolumeStore::MarkCopiedUp(const std::string& name) const {
  std::string what = "update volume " + Quote(name);
  auto lock = LockVolumes(lock_path_);
  if (!lock) return std::move(lock).error().Context(what);
  auto rec = Get(name);
  if (!rec) return std::move(rec).error().Context(what);
  if (!rec->needs_copy_up) return Ok();
  rec->needs_copy_up = false;
  auto r = WriteFileAtomic(VolumeDir(name) / "volume.json", VolumeToJson(*rec));
  if (!r) return std::move(r).error().Context(what);
  return Ok();
}

}  // namespace berth::runner
