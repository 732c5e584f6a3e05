// Saving images as an OCI image layout: a directory (oci-dir) or a tar of one (oci-archive).
//
// The layout is first described as data (PlanLayout: which files, from which bytes), then
// written. Blobs are written byte for byte as stored, so manifest digests survive a save and
// load. Each index entry carries the image's full name in org.opencontainers.image.ref.name,
// as podman writes it; skopeo (`oci:<dir>:<name>`) and umoci (`--image <dir>:<name>`) split
// their argument at the first colon and accept such a name (see archive_interop_test.cpp).
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "archive_internal.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/store/oci.hpp"
#include "replacing_file.hpp"
#include "tar_stream.hpp"

namespace berth::store {

namespace {

// Fixed times make the same images give the same archive bytes.
constexpr int64_t kMtime = 0;
constexpr std::string_view kLayoutFile = R"({"imageLayoutVersion":"1.0.0"})";

// One entry of the layout: a directory, inline bytes, or a blob from the store.
struct LayoutFile {
  std::string name;
  bool dir = false;
  std::string data;
  std::optional<Digest> blob;
  int64_t size = 0;
};

Result<std::vector<LayoutFile>> PlanLayout(const Store& store, const std::vector<SaveItem>& items) {
  Index index;
  index.schema_version = 2;
  index.media_type = std::string(media::kOciIndex);
  std::set<Digest> blobs;
  for (const SaveItem& item : items) {
    const ImageView& v = item.image;
    Descriptor d;
    d.media_type = v.manifest.media_type;
    // An OCI manifest may omit its mediaType; a descriptor may not.
    if (d.media_type.empty()) d.media_type = std::string(media::kOciManifest);
    d.digest = v.record.manifest;
    d.size = static_cast<int64_t>(v.manifest_json.size());
    if (!item.name.empty()) d.annotations["org.opencontainers.image.ref.name"] = item.name;
    index.manifests.push_back(std::move(d));
    blobs.insert(v.record.manifest);
    blobs.insert(v.manifest.config.digest);
    for (const Descriptor& l : v.manifest.layers) blobs.insert(l.digest);
  }
  std::vector<LayoutFile> files;
  files.push_back({.name = "oci-layout", .data = std::string(kLayoutFile)});
  files.push_back({.name = "index.json", .data = ToJson(index)});
  files.push_back({.name = "blobs", .dir = true});
  files.push_back({.name = "blobs/sha256", .dir = true});
  for (const Digest& b : blobs) {
    auto size = store.blobs().Size(b);
    if (!size) return size.error().Context("save blob " + b.String());
    files.push_back(
        {.name = "blobs/sha256/" + b.hex(), .blob = b, .size = static_cast<int64_t>(*size)});
  }
  return files;
}

// Copies a blob out of the store. Reflink or in-kernel copy where the file system can; never a
// hard link, since a writer of the layout could then change the store's immutable blob.
Result<void> CopyBlob(const Store& store, const Digest& blob, const fs::path& dest) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd src, store.blobs().Open(blob));
  BERTH_ASSIGN_OR_RETURN(UniqueFd dst, Open(dest, O_WRONLY | O_CREAT | O_EXCL, 0644));
  if (::ioctl(dst.get(), FICLONE, src.get()) == 0) return Ok();
  uint64_t copied = 0;
  for (;;) {
    ssize_t n = ::copy_file_range(src.get(), nullptr, dst.get(), nullptr, 1 << 30, 0);
    if (n > 0) {
      copied += static_cast<uint64_t>(n);
      continue;
    }
    if (n == 0) return Ok();
    // Older kernels refuse across file systems (EXDEV before 5.3) and some file systems
    // not at all; a plain copy still works as long as nothing was copied yet.
    bool unsupported = errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP;
    if (copied > 0 || !unsupported) return SysError("copy blob to " + Quote(dest.string()), errno);
    break;
  }
  FdReader in(src.get());
  FdWriter out(dst.get());
  auto r = Copy(in, out);
  if (!r) return r.error().Context("copy blob to " + Quote(dest.string()));
  return Ok();
}

Result<void> WriteNewFile(const fs::path& path, std::string_view data) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, Open(path, O_WRONLY | O_CREAT | O_EXCL, 0644));
  FdWriter out(fd.get());
  auto r = out.Write(AsBytes(data));
  if (!r) return r.error().Context("write " + Quote(path.string()));
  return Ok();
}

// The target of an oci-dir save must not exist or be an empty directory.
Result<void> CheckTargetDir(const fs::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Ok();
    return SysError("stat " + Quote(path.string()), errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     Quote(path.string()) + " exists and is not a directory");
  }
  BERTH_ASSIGN_OR_RETURN(auto names, ListDir(path));
  if (!names.empty()) {
    return MakeError(ErrorCode::kAlreadyExists,
                     "directory " + Quote(path.string()) + " is not empty");
  }
  return Ok();
}

// Builds the layout in a sibling temp dir and renames it into place: rename(2) replaces an
// empty directory, and nobody ever sees a half-written layout.
Result<void> WriteDir(const Store& store, const std::vector<LayoutFile>& files,
                      const fs::path& target) {
  // "out/" names the directory "out": its temp sibling must not land inside it.
  fs::path path = target.has_filename() ? target : target.parent_path();
  BERTH_TRY(CheckTargetDir(path));
  fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  BERTH_ASSIGN_OR_RETURN(TempDir tmp, TempDir::Create(parent, path.filename().string() + ".tmp-"));
  for (const LayoutFile& f : files) {
    fs::path p = tmp.path() / f.name;
    if (f.dir) {
      BERTH_TRY(MakeDirs(p));
    } else if (f.blob) {
      BERTH_TRY(CopyBlob(store, *f.blob, p));
    } else {
      BERTH_TRY(WriteNewFile(p, f.data));
    }
  }
  // TempDir makes its directory 0700; the layout is meant to be shared like any output.
  if (::chmod(tmp.path().c_str(), 0755) != 0) {
    return SysError("chmod " + Quote(tmp.path().string()), errno);
  }
  BERTH_ASSIGN_OR_RETURN(UniqueFd dirfd, Open(tmp.path(), O_RDONLY | O_DIRECTORY));
  if (::syncfs(dirfd.get()) != 0) return SysError("syncfs " + Quote(tmp.path().string()), errno);
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) {
    int err = errno;
    if (err == EEXIST || err == ENOTEMPTY) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "directory " + Quote(path.string()) + " is not empty");
    }
    return SysError("rename " + Quote(tmp.path().string()) + " to " + Quote(path.string()), err);
  }
  tmp.Release();
  return FsyncPath(parent);
}

Result<void> WriteTar(const Store& store, const std::vector<LayoutFile>& files,
                      const fs::path& path) {
  BERTH_ASSIGN_OR_RETURN(ReplacingFile out, ReplacingFile::Create(path));
  FdWriter writer(out.fd());
  BERTH_ASSIGN_OR_RETURN(auto tar, TarWriter::Open(writer));
  for (const LayoutFile& f : files) {
    if (f.dir) {
      BERTH_TRY(tar->AddDir(f.name, kMtime));
    } else if (f.blob) {
      BERTH_ASSIGN_OR_RETURN(UniqueFd fd, store.blobs().Open(*f.blob));
      FdReader in(fd.get());
      BERTH_TRY(tar->AddStream(f.name, f.size, in, kMtime));
    } else {
      BERTH_TRY(tar->AddFile(f.name, f.data, kMtime));
    }
  }
  BERTH_TRY(tar->Close());
  return out.Commit();
}

}  // namespace

Result<void> SaveOciLayout(const Store& store, const std::vector<SaveItem>& items,
                           const fs::path& path, bool as_tar) {
  BERTH_ASSIGN_OR_RETURN(std::vector<LayoutFile> files, PlanLayout(store, items));
  return as_tar ? WriteTar(store, files, path) : WriteDir(store, files, path);
}

}  // namespace berth::store
