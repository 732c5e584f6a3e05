// Layer commit: walks a directory in overlay form and writes it as a layer tar, hashing and
// compressing in the same pass (tar -> diff_id hash -> compressor -> digest hash -> out).
//
// The walk is fd-relative: every directory is opened with O_DIRECTORY|O_NOFOLLOW relative to
// its parent's fd, every entry is stat'ed with AT_SYMLINK_NOFOLLOW and files are opened with
// O_NOFOLLOW, so a symlink in the tree is recorded and never followed. Entry order: within a
// directory, the opaque marker first, then whiteouts, then everything else, each group sorted
// bytewise by name, depth first (parents before children). The image-spec asks producers to
// put whiteouts before their siblings; sorting fixes the rest.
//
// Whiteout and opaque markers get mtime 0 (as containerd 2.0 does): the time a file was
// deleted is noise that would make otherwise equal layers differ. A whiteout is a regular
// empty file with mode 0600 and the device's owner; an opaque marker has the directory's
// permission bits and owner, as containers/storage writes them.
#include "berth/store/layer_commit.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <unordered_map>
#include <vector>

#include "berth/base/strings.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/oci.hpp"
#include "layer_tar_writer.hpp"
#include "xattr_read.hpp"

namespace berth::store {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr size_t kDentsBufSize = 64 * 1024;

struct DirChild {
  std::string name;
  struct stat st;
  // overlayfs marks a deleted lower entry with a 0/0 character device.
  bool whiteout() const { return S_ISCHR(st.st_mode) && st.st_rdev == 0; }
};

struct DevIno {
  dev_t dev;
  ino_t ino;
  bool operator==(const DevIno&) const = default;
};

struct DevInoHash {
  size_t operator()(const DevIno& k) const {
    return std::hash<uint64_t>()(static_cast<uint64_t>(k.ino) * 31 + static_cast<uint64_t>(k.dev));
  }
};

bool SameInode(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
         (a.st_mode & S_IFMT) == (b.st_mode & S_IFMT);
}

Error ChangedError(const std::string& name) {
  return MakeError(ErrorCode::kBusy, "commit " + Quote(name) + ": changed while being committed");
}

class TreeCommitter {
 public:
  TreeCommitter(LayerTarWriter& tar, const CommitOptions& options)
      : tar_(tar), options_(options), dents_(std::make_unique<char[]>(kDentsBufSize)) {}

  Result<void> Run(int src_dirfd);
  uint64_t entries() const { return entries_; }

 private:
  Result<void> WalkDir(int dir_fd);
  Result<void> ListDir(int dir_fd, std::vector<DirChild>& out);
  Result<void> EmitChild(int dir_fd, const DirChild& c);
  Result<void> EmitDir(int dir_fd, const DirChild& c);
  Result<void> EmitRegular(int dir_fd, const DirChild& c);
  Result<void> EmitOther(int dir_fd, const DirChild& c);
  Result<void> EmitMarker(std::string_view name, const struct stat& st, uint32_t mode);
  Result<void> ReadLink(int dir_fd, const DirChild& c);
  Result<void> SelectXattrs();
  LayerTarHeader HeaderFor(const struct stat& st, char type) const;
  bool Excluded(std::string_view name) const {
    if (options_.exclude.empty()) return false;
    std::string rel = path_;
    rel += name;
    return std::find(options_.exclude.begin(), options_.exclude.end(), rel) !=
           options_.exclude.end();
  }
  Result<void> Write(const LayerTarHeader& h);

  LayerTarWriter& tar_;
  const CommitOptions& options_;
  std::string path_;  // the directory being walked, relative with a trailing '/' ("" = root)
  std::string name_;  // the entry being written, as named in the tar
  std::unique_ptr<char[]> dents_;
  XattrReader xattr_reader_;
  std::vector<XattrValue> xattrs_;
  std::vector<LayerTarXattr> tar_xattrs_;
  bool opaque_ = false;
  std::string link_target_;
  std::unordered_map<DevIno, std::string, DevInoHash> first_link_;
  uint64_t entries_ = 0;
};

Result<void> TreeCommitter::Run(int src_dirfd) {
  // A fresh fd: getdents reads from the fd's offset, which must not be the caller's.
  UniqueFd root(::openat(src_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return SysError("open layer directory", errno);
  struct stat st;
  if (::fstat(root.get(), &st) < 0) return SysError("stat layer directory", errno);
  name_ = ".";
  BERTH_TRY(xattr_reader_.ReadFd(root.get(), name_, xattrs_));
  BERTH_TRY(SelectXattrs());
  // The root has no entry of its own (layers name "etc/", not "./etc/"), but an opaque root
  // still hides every lower layer.
  if (opaque_) BERTH_TRY(EmitMarker(kOpaqueMarker, st, st.st_mode & 0777));
  return WalkDir(root.get());
}

Result<void> TreeCommitter::WalkDir(int dir_fd) {
  std::vector<DirChild> children;
  BERTH_TRY(ListDir(dir_fd, children));
  std::sort(children.begin(), children.end(), [](const DirChild& a, const DirChild& b) {
    if (a.whiteout() != b.whiteout()) return a.whiteout();
    return a.name < b.name;  // char_traits<char> compares as unsigned char: bytewise
  });
  for (const DirChild& c : children) BERTH_TRY(EmitChild(dir_fd, c));
  return Ok();
}

Result<void> TreeCommitter::ListDir(int dir_fd, std::vector<DirChild>& out) {
  for (;;) {
    ssize_t n = ::getdents64(dir_fd, dents_.get(), kDentsBufSize);
    if (n < 0) return SysError("read directory " + Quote(path_.empty() ? "." : path_), errno);
    if (n == 0) return Ok();
    for (ssize_t off = 0; off < n;) {
      const auto* d = reinterpret_cast<const struct dirent64*>(dents_.get() + off);
      off += d->d_reclen;
      std::string_view name(d->d_name);
      if (name == "." || name == "..") continue;
      DirChild c{std::string(name), {}};
      if (::fstatat(dir_fd, d->d_name, &c.st, AT_SYMLINK_NOFOLLOW) < 0) {
        return SysError("stat " + Quote(path_ + c.name), errno);
      }
      // A tar cannot carry a socket; like tar and buildah, leave it out.
      if (S_ISSOCK(c.st.st_mode)) continue;
      if (Excluded(c.name)) continue;
      if (!c.whiteout() && name.starts_with(kWhiteoutPrefix)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "commit " + Quote(path_ + c.name) +
                             ": names starting with .wh. are reserved for whiteouts");
      }
      out.push_back(std::move(c));
    }
  }
}

Result<void> TreeCommitter::EmitChild(int dir_fd, const DirChild& c) {
  if (c.whiteout()) {
    name_ = path_;
    name_ += kWhiteoutPrefix;
    name_ += c.name;
    return EmitMarker(name_, c.st, 0600);
  }
  if (S_ISDIR(c.st.st_mode)) return EmitDir(dir_fd, c);
  name_ = path_;
  name_ += c.name;
  if (c.st.st_nlink > 1) {
    auto [it, inserted] = first_link_.try_emplace(DevIno{c.st.st_dev, c.st.st_ino}, name_);
    if (!inserted) {
      LayerTarHeader h = HeaderFor(c.st, '1');
      h.linkname = it->second;
      return Write(h);
    }
  }
  if (S_ISREG(c.st.st_mode)) return EmitRegular(dir_fd, c);
  return EmitOther(dir_fd, c);
}

Result<void> TreeCommitter::EmitDir(int dir_fd, const DirChild& c) {
  UniqueFd fd(::openat(dir_fd, c.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return SysError("open " + Quote(path_ + c.name), errno);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(path_ + c.name), errno);
  if (!SameInode(st, c.st)) return ChangedError(path_ + c.name);
  size_t parent_len = path_.size();
  path_ += c.name;
  path_ += '/';
  name_ = path_;
  BERTH_TRY(xattr_reader_.ReadFd(fd.get(), name_, xattrs_));
  BERTH_TRY(SelectXattrs());
  BERTH_TRY(Write(HeaderFor(st, '5')));
  if (opaque_) {
    name_ = path_;
    name_ += kOpaqueMarker;
    BERTH_TRY(EmitMarker(name_, st, st.st_mode & 0777));
  }
  BERTH_TRY(WalkDir(fd.get()));
  path_.resize(parent_len);
  return Ok();
}

Result<void> TreeCommitter::EmitRegular(int dir_fd, const DirChild& c) {
  // O_NONBLOCK: if the file was swapped for a fifo since the stat, open must not hang.
  UniqueFd fd(
      ::openat(dir_fd, c.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return SysError("open " + Quote(name_), errno);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(name_), errno);
  if (!SameInode(st, c.st)) return ChangedError(name_);
  BERTH_TRY(xattr_reader_.ReadFd(fd.get(), name_, xattrs_));
  BERTH_TRY(SelectXattrs());
  LayerTarHeader h = HeaderFor(st, '0');
  h.size = static_cast<uint64_t>(st.st_size);
  BERTH_TRY(Write(h));
  if (h.size > (uint64_t{1} << 20)) ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  auto wr = tar_.WriteData(fd.get(), h.size);
  if (!wr) return std::move(wr).error().Context("read " + Quote(name_));
  return Ok();
}

Result<void> TreeCommitter::EmitOther(int dir_fd, const DirChild& c) {
  char type;
  switch (c.st.st_mode & S_IFMT) {
    case S_IFLNK:
      type = '2';
      break;
    case S_IFCHR:
      type = '3';
      break;
    case S_IFBLK:
      type = '4';
      break;
    case S_IFIFO:
      type = '6';
      break;
    default:
      return MakeError(ErrorCode::kInvalidArgument,
                       "commit " + Quote(name_) + ": file type a tar cannot carry");
  }
  BERTH_TRY(xattr_reader_.ReadAt(dir_fd, c.name, name_, xattrs_));
  BERTH_TRY(SelectXattrs());
  LayerTarHeader h = HeaderFor(c.st, type);
  if (type == '2') {
    BERTH_TRY(ReadLink(dir_fd, c));
    h.linkname = link_target_;
  } else if (type == '3' || type == '4') {
    h.devmajor = ::major(c.st.st_rdev);
    h.devminor = ::minor(c.st.st_rdev);
  }
  return Write(h);
}

Result<void> TreeCommitter::ReadLink(int dir_fd, const DirChild& c) {
  // st_size is the target's length on real filesystems, but some (procfs, some FUSE) report
  // 0; a result that fills the buffer may be truncated, so grow and read again.
  size_t cap = std::max<size_t>(static_cast<size_t>(c.st.st_size), 255) + 1;
  for (;;) {
    link_target_.resize(cap);
    ssize_t n = ::readlinkat(dir_fd, c.name.c_str(), link_target_.data(), cap);
    if (n < 0) return SysError("read link " + Quote(name_), errno);
    if (static_cast<size_t>(n) < cap) {
      link_target_.resize(static_cast<size_t>(n));
      return Ok();
    }
    if (cap > 65536) return ChangedError(name_);
    cap *= 2;
  }
}

// A whiteout or opaque marker: an empty regular file owned like the inode it stands for.
Result<void> TreeCommitter::EmitMarker(std::string_view name, const struct stat& st,
                                       uint32_t mode) {
  LayerTarHeader h{.name = name, .type = '0', .mode = mode, .uid = st.st_uid, .gid = st.st_gid};
  if (options_.source_date_epoch) h.mtime = std::min<int64_t>(0, *options_.source_date_epoch);
  return Write(h);
}

// Keeps the xattrs a layer should carry and notes the opaque flag. overlay's own xattrs
// describe this upper dir, not the image; security.selinux is host policy that podman and
// buildah also leave out (the runtime relabels).
Result<void> TreeCommitter::SelectXattrs() {
  opaque_ = false;
  tar_xattrs_.clear();
  for (const XattrValue& x : xattrs_) {
    std::string_view n = x.name;
    if (n.starts_with("trusted.overlay.") || n.starts_with("user.overlay.")) {
      std::string_view key = n.substr(n.find("overlay.") + 8);
      if (key == "opaque" && x.value == "y") opaque_ = true;
      // With metacopy the data, and with redirect the contents, live in a lower layer; a tar
      // of this dir alone would silently lose them.
      if (key == "metacopy" || key == "redirect") {
        return MakeError(ErrorCode::kUnsupported,
                         "commit " + Quote(name_) + ": overlay " + std::string(key) +
                             " xattr: the upper dir is not self-contained",
                         "mount the overlay with metacopy=off,redirect_dir=off");
      }
      continue;
    }
    if (n == "security.selinux") continue;
    // A pax record with an empty value means "unset this keyword" (POSIX pax), and Go's
    // archive/tar (umoci, containerd) reads it so; libarchive would restore an empty xattr.
    // Leaving it out gives every reader the same tree.
    if (x.value.empty()) continue;
    tar_xattrs_.push_back({x.name, x.value});
  }
  return Ok();
}

LayerTarHeader TreeCommitter::HeaderFor(const struct stat& st, char type) const {
  int64_t mtime = st.st_mtim.tv_sec;
  if (options_.source_date_epoch) mtime = std::min(mtime, *options_.source_date_epoch);
  return LayerTarHeader{.name = name_,
                        .type = type,
                        .mode = st.st_mode & 07777,
                        .uid = st.st_uid,
                        .gid = st.st_gid,
                        .mtime = mtime,
                        .xattrs = type == '1' ? std::span<const LayerTarXattr>()
                                              : std::span<const LayerTarXattr>(tar_xattrs_)};
}

Result<void> TreeCommitter::Write(const LayerTarHeader& h) {
  ++entries_;
  return tar_.WriteHeader(h);
}

std::string_view MediaTypeFor(Compression c) {
  switch (c) {
    case Compression::kNone:
      return media::kOciLayerTar;
    case Compression::kGzip:
      return media::kOciLayerGzip;
    case Compression::kZstd:
      return media::kOciLayerZstd;
  }
  return media::kOciLayerTar;
}

}  // namespace

Result<CommitStats> CommitLayer(int src_dirfd, Writer& out, const CommitOptions& options) {
  HashingWriter blob_hash(&out);
  BERTH_ASSIGN_OR_RETURN(auto compressor,
                         CompressWriter::Open(blob_hash, options.compression, options.level));
  bool plain = options.compression == Compression::kNone;
  // For a plain tar the blob is the tar: hash it once.
  HashingWriter tar_hash(plain ? static_cast<Writer*>(&out) : compressor.get());
  LayerTarWriter tar(tar_hash);
  TreeCommitter committer(tar, options);
  BERTH_TRY(committer.Run(src_dirfd));
  BERTH_TRY(tar.Finish());
  BERTH_TRY(compressor->Close());

  CommitStats stats;
  stats.diff_id = DiffId(tar_hash.Finish());
  stats.tar_size = tar_hash.size();
  stats.digest = plain ? stats.diff_id.digest() : blob_hash.Finish();
  stats.size = plain ? tar_hash.size() : blob_hash.size();
  stats.media_type = std::string(MediaTypeFor(options.compression));
  stats.entries = committer.entries();
  return stats;
}

}  // namespace berth::store
