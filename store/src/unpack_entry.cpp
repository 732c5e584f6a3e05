#include "unpack_entry.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "whiteout.hpp"

namespace berth::store::unpack {

namespace {

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

// Writes all of `data` at `offset`; write(2) when it continues where the last write ended
// (the common, non-sparse case), pwrite(2) after a hole.
Result<void> WriteAt(int fd, const char* data, size_t size, int64_t offset, int64_t* pos) {
  while (size > 0) {
    ssize_t n = offset == *pos ? ::write(fd, data, size)
                               : ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError("write", errno);
    }
    // pwrite does not move the file offset: after a hole, keep using pwrite.
    if (offset == *pos) *pos += n;
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return Ok();
}

Result<void> WriteContents(int fd, const UnpackEntry& e, EntryData& data) {
  int64_t pos = 0;  // the fd's file offset
  int64_t end = 0;  // the furthest byte written
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    int64_t offset = 0;
    BERTH_ASSIGN_OR_RETURN(bool more, data.Next(&block, &size, &offset));
    if (!more) break;
    BERTH_TRY(WriteAt(fd, static_cast<const char*>(block), size, offset, &pos));
    end = std::max(end, offset + static_cast<int64_t>(size));
  }
  // A sparse file that ends in a hole: extend it without writing zeros.
  if (end < e.size && ::ftruncate(fd, static_cast<off_t>(e.size)) < 0) {
    return SysError("truncate", errno);
  }
  return Ok();
}

}  // namespace

EntryWriter::EntryWriter(int root_fd, bool user_xattr)
    : resolver_(root_fd),
      creator_(CurrentCreator()),
      user_xattr_(user_xattr),
      dirs_(resolver_, creator_, user_xattr) {}

Result<void> EntryWriter::Init() {
  auto root = resolver_.OpenDir("", /*readable=*/true);
  if (!root) return std::move(root).error().Context("open destination");
  // With a default ACL on the destination, new modes come from the ACL, not the umask.
  if (::fgetxattr(root->get(), "system.posix_acl_default", nullptr, 0) >= 0) {
    creator_.default_acl = true;
  }
  return Ok();
}

Result<void> EntryWriter::Apply(const UnpackEntry& e, EntryData& data) {
  auto r = ApplyInner(e, data);
  if (!r) return std::move(r).error().Context("unpack entry " + Quote(e.name));
  return r;
}

Result<void> EntryWriter::Finish() {
  auto r = dirs_.ApplyTimes();
  if (!r) return std::move(r).error().Context("set directory times");
  return r;
}

Result<void> EntryWriter::ApplyInner(const UnpackEntry& e, EntryData& data) {
  for (const auto& [name, value] : e.attrs.xattrs) {
    if (name == "system.posix_acl_default") creator_.default_acl = true;
  }
  if (e.components.empty()) return ApplyRoot(e);
  const size_t n = e.components.size();
  // Inside AUFS bookkeeping directories (`.wh..wh.plnk/...`, `.wh..wh.orph/...`): skipped
  // whole, as moby does; they are not part of the image's filesystem.
  for (size_t i = 0; i + 1 < n; ++i) {
    WhiteoutKind k = ClassifyWhiteout(e.components[i]).kind;
    if (k == WhiteoutKind::kMeta || k == WhiteoutKind::kOpaque) return Ok();
  }
  WhiteoutName w = ClassifyWhiteout(e.components.back());
  switch (w.kind) {
    case WhiteoutKind::kNone:
      break;
    case WhiteoutKind::kMeta:
      return Ok();
    case WhiteoutKind::kInvalid:
      return Invalid("invalid whiteout name");
    case WhiteoutKind::kOpaque:
      return ApplyOpaque(e);
    case WhiteoutKind::kDelete:
      return ApplyWhiteout(e, std::string(w.target));
  }
  BERTH_ASSIGN_OR_RETURN(DirHandle parent,
                         dirs_.Get(e.components, n - 1, Missing::kCreateReplacing));
  if (e.hardlink) return WriteHardlink(e, parent);
  switch (e.type) {
    case S_IFDIR:
      return WriteDir(e, parent);
    case S_IFREG:
      return WriteFile(e, parent, data);
    case S_IFLNK:
      return WriteSymlink(e, parent);
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
      return WriteNode(e, parent);
    default:
      return MakeError(ErrorCode::kUnsupported, "unsupported entry type");
  }
}

// "." "./" "/" "" and names like "a/..": the destination itself. Replacing it would let
// every later entry land wherever the replacement points (umoci CVE-2021-29136).
Result<void> EntryWriter::ApplyRoot(const UnpackEntry& e) {
  if (e.hardlink || e.type != S_IFDIR) {
    return Invalid("refusing to replace the root directory with a non-directory");
  }
  BERTH_ASSIGN_OR_RETURN(UniqueFd root, resolver_.OpenDir("", /*readable=*/true));
  struct stat st;
  if (::fstat(root.get(), &st) < 0) return SysError("stat the root directory", errno);
  BERTH_TRY(
      FixAttrsFd(root.get(), true, e.attrs, Initial{st.st_uid, st.st_gid, st.st_mode & 07777}));
  // The root's mode or group may have changed what its children inherit.
  dirs_.Invalidate();
  return dirs_.RecordTimes("", e.attrs.atime, e.attrs.mtime);
}

// `.wh..wh..opq` applies to its directory wherever it appears in the tar (moby PR #17819),
// so it only sets an xattr that later entries for the directory leave alone.
Result<void> EntryWriter::ApplyOpaque(const UnpackEntry& e) {
  BERTH_ASSIGN_OR_RETURN(
      DirHandle dir, dirs_.Get(e.components, e.components.size() - 1, Missing::kCreateReplacing));
  return SetOpaque(dir.fd(), user_xattr_);
}

// Whiteouts only hide lower layers: a name this layer already has stays (a directory
// becomes opaque instead, hiding the lower one's contents).
Result<void> EntryWriter::ApplyWhiteout(const UnpackEntry& e, const std::string& target) {
  auto parent = dirs_.Get(e.components, e.components.size() - 1, Missing::kCreate);
  if (!parent) {
    // `.wh.foo` then `foo/.wh.bar` (what `rm -rf foo/bar foo` produces): foo is already a
    // whiteout device, which hides bar too.
    if (parent.error().sys_errno == ENOTDIR) return Ok();
    return std::move(parent).error();
  }
  struct stat st;
  if (::fstatat(parent->fd(), target.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISDIR(st.st_mode)) return Ok();
    UniqueFd dir(
        ::openat(parent->fd(), target.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) return SysError("open " + Quote(target), errno);
    return SetOpaque(dir.get(), user_xattr_);
  }
  if (errno != ENOENT) return SysError("stat " + Quote(target), errno);
  Initial initial = InitialFor(creator_, parent->facts, 0, false);
  return CreateWhiteoutDevice(parent->fd(), target, e.attrs.uid, e.attrs.gid, initial.uid,
                              initial.gid);
}

Result<void> EntryWriter::RemoveExisting(const UnpackEntry& e, const DirHandle& parent) {
  const std::string& name = e.components.back();
  // Directories go with everything in them; RemoveTreeAt never follows symlinks.
  BERTH_TRY(RemoveTreeAt(parent.fd(), name));
  dirs_.Invalidate();
  dirs_.ForgetTimes(JoinComponents(e.components, e.components.size()));
  return Ok();
}

Result<void> EntryWriter::WriteDir(const UnpackEntry& e, const DirHandle& parent) {
  const std::string& name = e.components.back();
  const int pfd = parent.fd();
  Initial initial = InitialFor(creator_, parent.facts, e.attrs.mode, true);
  bool opaque = false;
  if (::mkdirat(pfd, name.c_str(), e.attrs.mode & 0777) < 0) {
    if (errno != EEXIST) return SysError("create directory " + Quote(name), errno);
    struct stat st;
    if (::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      return SysError("stat " + Quote(name), errno);
    }
    if (S_ISDIR(st.st_mode)) {
      initial = Initial{st.st_uid, st.st_gid, st.st_mode & 07777};  // merge attributes
    } else {
      // The lower directory was deleted (a whiteout device from this layer): this one must
      // not show its contents.
      opaque = IsWhiteoutDevice(st);
      BERTH_TRY(RemoveExisting(e, parent));
      if (::mkdirat(pfd, name.c_str(), e.attrs.mode & 0777) < 0) {
        return SysError("create directory " + Quote(name), errno);
      }
    }
  }
  UniqueFd fd(::openat(pfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return SysError("open directory " + Quote(name), errno);
  BERTH_TRY(FixAttrsFd(fd.get(), true, e.attrs, initial));
  if (opaque) BERTH_TRY(SetOpaque(fd.get(), user_xattr_));
  std::string path = JoinComponents(e.components, e.components.size());
  BERTH_TRY(dirs_.RecordTimes(path, e.attrs.atime, e.attrs.mtime));
  // Its children usually come next: keep the fd as their parent.
  dirs_.Adopt(std::move(path), std::move(fd),
              ParentFacts{(e.attrs.mode & S_ISGID) != 0, e.attrs.gid});
  return Ok();
}

Result<void> EntryWriter::WriteFile(const UnpackEntry& e, const DirHandle& parent,
                                    EntryData& data) {
  const std::string& name = e.components.back();
  // O_EXCL: an existing name (maybe a symlink, maybe a hardlink to another file) is never
  // opened for writing; it is removed and the file created afresh.
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(::openat(parent.fd(), name.c_str(), flags, e.attrs.mode & 0777));
  if (!fd && errno == EEXIST) {
    BERTH_TRY(RemoveExisting(e, parent));
    fd.Reset(::openat(parent.fd(), name.c_str(), flags, e.attrs.mode & 0777));
  }
  if (!fd) return SysError("create " + Quote(name), errno);
  BERTH_TRY(WriteContents(fd.get(), e, data));
  BERTH_TRY(FixAttrsFd(fd.get(), false, e.attrs,
                       InitialFor(creator_, parent.facts, e.attrs.mode, false)));
  return SetTimesFd(fd.get(), e.attrs);
}

Result<void> EntryWriter::WriteSymlink(const UnpackEntry& e, const DirHandle& parent) {
  const std::string& name = e.components.back();
  // The target is stored as it is; it is never followed during the unpack.
  int rc = ::symlinkat(e.link.c_str(), parent.fd(), name.c_str());
  if (rc < 0 && errno == EEXIST) {
    BERTH_TRY(RemoveExisting(e, parent));
    rc = ::symlinkat(e.link.c_str(), parent.fd(), name.c_str());
  }
  if (rc < 0) return SysError("create symlink " + Quote(name), errno);
  return FixAttrsAt(parent.fd(), name, true, e.attrs,
                    InitialFor(creator_, parent.facts, 0777, false));
}

Result<void> EntryWriter::WriteNode(const UnpackEntry& e, const DirHandle& parent) {
  const std::string& name = e.components.back();
  const mode_t mode = e.type | (e.attrs.mode & 0777);
  int rc = ::mknodat(parent.fd(), name.c_str(), mode, e.rdev);
  if (rc < 0 && errno == EEXIST) {
    BERTH_TRY(RemoveExisting(e, parent));
    rc = ::mknodat(parent.fd(), name.c_str(), mode, e.rdev);
  }
  if (rc < 0 && errno == EPERM && e.type != S_IFIFO && e.rdev != 0) {
    // No CAP_MKNOD (a user namespace): real devices cannot exist there, and a rootless
    // container gets /dev from its runtime anyway. Skipped, as containers/storage does.
    return Ok();
  }
  if (rc < 0) return SysError("create device " + Quote(name), errno);
  return FixAttrsAt(parent.fd(), name, false, e.attrs,
                    InitialFor(creator_, parent.facts, e.attrs.mode, false));
}

// The target must already exist in this layer; it is resolved in root like any path, but
// its last component is not followed, so a link to a symlink links the symlink itself. A
// hardlink has no metadata of its own: applying the header's mode or owner would change the
// shared inode, and through a symlink, the host (containerd CVE-2021-32760).
Result<void> EntryWriter::WriteHardlink(const UnpackEntry& e, const DirHandle& parent) {
  const std::string& name = e.components.back();
  std::vector<std::string> target = CleanComponents(e.link);
  if (target.empty()) return Invalid("hardlink to the root directory");
  auto tdir = dirs_.Get(target, target.size() - 1, Missing::kFail);
  auto not_found = [&] {
    return Invalid("hardlink target " + Quote(e.link) + " does not exist in this layer");
  };
  if (!tdir) {
    const int err = tdir.error().sys_errno;
    if (err == ENOENT || err == ENOTDIR) return not_found();
    return std::move(tdir).error();
  }
  const char* tname = target.back().c_str();
  int rc = ::linkat(tdir->fd(), tname, parent.fd(), name.c_str(), 0);
  if (rc < 0 && errno == EEXIST) {
    struct stat have, want;
    if (::fstatat(parent.fd(), name.c_str(), &have, AT_SYMLINK_NOFOLLOW) == 0 &&
        ::fstatat(tdir->fd(), tname, &want, AT_SYMLINK_NOFOLLOW) == 0 &&
        have.st_dev == want.st_dev && have.st_ino == want.st_ino) {
      return Ok();  // already that inode (a link to itself, or a repeated entry)
    }
    BERTH_TRY(RemoveExisting(e, parent));
    rc = ::linkat(tdir->fd(), tname, parent.fd(), name.c_str(), 0);
  }
  if (rc < 0) {
    if (errno == ENOENT) return not_found();
    if (errno == EPERM) return Invalid("hardlink to " + Quote(e.link) + ": not a file");
    return SysError("link to " + Quote(e.link), errno);
  }
  return Ok();
}

}  // namespace berth::store::unpack
