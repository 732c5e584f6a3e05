// Archive format names, detection, and the LoadArchive/SaveArchive entry points that hand
// each format to its own file.
#include <sys/stat.h>

#include <cerrno>
#include <memory>
#include <optional>

#include "archive_internal.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/archive.hpp"
#include "tar_stream.hpp"

namespace berth::store {

namespace {

// Looks through the members of a tar for the file that names its format. oci-layout wins
// over manifest.json: docker 25+ writes both, and the OCI index keeps the manifest digests
// the image had, where manifest.json would make us build new manifests.
Result<ArchiveFormat> DetectTarFormat(const fs::path& path) {
  std::string what = "detect archive format of " + Quote(path.string());
  auto tar = TarReader::OpenFile(path);
  if (!tar) return tar.error().Context(what);
  bool has_docker_manifest = false;
  for (;;) {
    auto m = (*tar)->Next();
    if (!m) return m.error().Context(what);
    if (!*m) break;
    const TarMember& member = **m;
    if (member.type != TarMember::Type::kFile) continue;
    if (member.name == "oci-layout") return ArchiveFormat::kOciArchive;
    if (member.name == "manifest.json") has_docker_manifest = true;
  }
  if (has_docker_manifest) return ArchiveFormat::kDockerArchive;
  return MakeError(ErrorCode::kInvalidArgument,
                   what + ": a tar with neither oci-layout nor manifest.json");
}

}  // namespace

std::string_view ArchiveFormatName(ArchiveFormat f) {
  switch (f) {
    case ArchiveFormat::kOciDir:
      return "oci-dir";
    case ArchiveFormat::kOciArchive:
      return "oci-archive";
    case ArchiveFormat::kDockerArchive:
      return "docker-archive";
  }
  return "unknown";
}

Result<ArchiveFormat> ParseArchiveFormat(std::string_view name) {
  for (ArchiveFormat f :
       {ArchiveFormat::kOciDir, ArchiveFormat::kOciArchive, ArchiveFormat::kDockerArchive}) {
    if (name == ArchiveFormatName(f)) return f;
  }
  return MakeError(
      ErrorCode::kInvalidArgument,
      "unknown archive format " + Quote(name) + " (want oci-dir, oci-archive or docker-archive)");
}

Result<ArchiveFormat> DetectArchiveFormat(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return SysError("detect archive format of " + Quote(path.string()), errno);
  }
  if (S_ISDIR(st.st_mode)) {
    struct stat layout;
    if (::stat((path / "oci-layout").c_str(), &layout) == 0 && S_ISREG(layout.st_mode)) {
      return ArchiveFormat::kOciDir;
    }
    return MakeError(
        ErrorCode::kInvalidArgument,
        "detect archive format of " + Quote(path.string()) + ": a directory without oci-layout");
  }
  if (!S_ISREG(st.st_mode)) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "detect archive format of " + Quote(path.string()) + ": neither a directory nor a file");
  }
  return DetectTarFormat(path);
}

Result<std::vector<LoadedImage>> LoadArchive(Store& store, const fs::path& path) {
  std::string what = "load " + Quote(path.string());
  auto format = DetectArchiveFormat(path);
  if (!format) return format.error().Context(what);
  Result<std::vector<PendingImage>> pending = std::vector<PendingImage>();
  switch (*format) {
    case ArchiveFormat::kOciDir:
      pending = LoadOciDir(store, path);
      break;
    case ArchiveFormat::kOciArchive:
      pending = LoadOciArchive(store, path);
      break;
    case ArchiveFormat::kDockerArchive:
      pending = LoadDockerArchive(store, path);
      break;
  }
  if (!pending) return pending.error().Context(what);
  if (pending->empty()) {
    return MakeError(ErrorCode::kNotFound,
                     what + ": no image found in the " + std::string(ArchiveFormatName(*format)));
  }
  // Only now, with every blob of every image verified and stored, do records appear.
  std::vector<LoadedImage> loaded;
  for (const PendingImage& p : *pending) {
    auto rec = store.CommitImage(p.manifest, p.names);
    if (!rec) return rec.error().Context(what + ": image " + p.manifest.String());
    loaded.push_back(LoadedImage{std::move(*rec), p.names});
  }
  return loaded;
}

Result<void> SaveArchive(const Store& store, const std::vector<SaveItem>& items,
                         const fs::path& path, ArchiveFormat format) {
  std::string what = "save " + Quote(path.string());
  if (items.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, what + ": no images to save");
  }
  Result<void> r;
  switch (format) {
    case ArchiveFormat::kOciDir:
      r = SaveOciLayout(store, items, path, false);
      break;
    case ArchiveFormat::kOciArchive:
      r = SaveOciLayout(store, items, path, true);
      break;
    case ArchiveFormat::kDockerArchive:
      r = SaveDockerArchive(store, items, path);
      break;
  }
  if (!r) return r.error().Context(what);
  return Ok();
}

}  // namespace berth::store
