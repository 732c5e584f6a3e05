#include "unpack_dirs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "berth/base/strings.hpp"
#include "whiteout.hpp"

namespace berth::store::unpack {

namespace {

ParentFacts FactsOf(const struct stat& st) {
  return ParentFacts{(st.st_mode & S_ISGID) != 0, st.st_gid};
}

int Errno(const Error& e) { return e.sys_errno; }

}  // namespace

Result<DirHandle> UnpackDirs::Get(const std::vector<std::string>& components, size_t n,
                                  Missing missing) {
  std::string path = JoinComponents(components, n);
  for (const Slot& s : slots_) {
    if (s.dir.holder && s.path == path) return s.dir;
  }
  auto dir = Open(path);
  if (dir) return Insert(std::move(path), std::move(*dir));
  const int err = Errno(dir.error());
  const bool creatable = err == ENOENT || (err == ENOTDIR && missing == Missing::kCreateReplacing);
  if (missing == Missing::kFail || !creatable) return std::move(dir).error();
  BERTH_ASSIGN_OR_RETURN(DirHandle created, CreateParents(components, n, missing));
  return Insert(std::move(path), std::move(created));
}

DirHandle UnpackDirs::Adopt(std::string path, UniqueFd fd, const ParentFacts& facts) {
  DirHandle dir{std::make_shared<const UniqueFd>(std::move(fd)), facts};
  return Insert(std::move(path), std::move(dir));
}

void UnpackDirs::Invalidate() {
  for (Slot& s : slots_) s = Slot{};
}

DirHandle UnpackDirs::Insert(std::string path, DirHandle dir) {
  for (Slot& s : slots_) {
    if (s.dir.holder && s.path == path) {
      s.dir = dir;
      return dir;
    }
  }
  Slot& s = slots_[next_slot_];
  next_slot_ = (next_slot_ + 1) % slots_.size();
  s.path = std::move(path);
  s.dir = dir;
  return dir;
}

Result<DirHandle> UnpackDirs::Open(const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, resolver_.OpenDir(path));
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(path), errno);
  return DirHandle{std::make_shared<const UniqueFd>(std::move(fd)), FactsOf(st)};
}

// The slow path, taken once per missing directory. Each component is opened from the
// previous one with O_NOFOLLOW, so the walk costs one openat per component; only a symlink
// among them sends that prefix back through in-root resolution from the root (where it is
// followed exactly as for any other entry). Opening each prefix from the root instead would
// make a hostile 2000-level path quadratic.
Result<DirHandle> UnpackDirs::CreateParents(const std::vector<std::string>& components, size_t n,
                                            Missing missing) {
  // Usually only the last directory is missing (a tar without directory entries).
  if (n > 1) {
    auto parent = Open(JoinComponents(components, n - 1));
    if (parent) {
      BERTH_TRY(MakeDir(*parent, components[n - 1], missing));
      return Open(JoinComponents(components, n));
    }
  }
  BERTH_ASSIGN_OR_RETURN(DirHandle cur, Open(""));
  for (size_t i = 0; i < n; ++i) {
    const std::string& name = components[i];
    auto next = OpenChild(cur, name);
    if (!next && Errno(next.error()) == ENOENT) {
      BERTH_TRY(MakeDir(cur, name, missing));
      next = OpenChild(cur, name);
    }
    if (!next && Errno(next.error()) == ENOTDIR) {
      // A symlink (to be resolved in root) or a non-directory (an error, or a whiteout
      // device that MakeDir replaces).
      std::string prefix = JoinComponents(components, i + 1);
      next = Open(prefix);
      if (!next && (Errno(next.error()) == ENOENT || Errno(next.error()) == ENOTDIR)) {
        BERTH_TRY(MakeDir(cur, name, missing));
        // Still missing: the name is a dangling symlink, which mkdir does not follow.
        next = Open(prefix);
      }
    }
    if (!next) return std::move(next).error();
    cur = std::move(*next);
  }
  return cur;
}

Result<DirHandle> UnpackDirs::OpenChild(const DirHandle& parent, const std::string& name) {
  // O_DIRECTORY | O_NOFOLLOW fails with ENOTDIR on a symlink as on any non-directory.
  UniqueFd fd(::openat(parent.fd(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return SysError("open " + Quote(name), errno);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(name), errno);
  return DirHandle{std::make_shared<const UniqueFd>(std::move(fd)), FactsOf(st)};
}

// Creates the missing parent `name` in `parent`: 0755, owned by the unpacking user.
Result<void> UnpackDirs::MakeDir(const DirHandle& parent, const std::string& name,
                                 Missing missing) {
  const int pfd = parent.fd();
  bool opaque = false;
  struct stat st;
  if (::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return MakeError(ErrorCode::kNotFound,
                       "create directory " + Quote(name) +
                           ": a symlink that leads to no directory is in the way");
    }
    if (missing != Missing::kCreateReplacing || !IsWhiteoutDevice(st)) {
      return SysError("create directory " + Quote(name), S_ISDIR(st.st_mode) ? EEXIST : ENOTDIR);
    }
    // `.wh.foo` then `foo/bar` in one layer: the lower foo is gone and this layer has a new
    // one, which must not show the old contents.
    if (::unlinkat(pfd, name.c_str(), 0) < 0) return SysError("remove " + Quote(name), errno);
    Invalidate();
    opaque = true;
  }
  if (::mkdirat(pfd, name.c_str(), 0755) < 0 && errno != EEXIST) {
    return SysError("create directory " + Quote(name), errno);
  }
  Initial initial = InitialFor(creator_, parent.facts, 0755, /*is_dir=*/true);
  if (initial.mode == 0755 && initial.uid == creator_.uid && initial.gid == creator_.gid &&
      !opaque) {
    return Ok();
  }
  UniqueFd fd(::openat(pfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return SysError("open directory " + Quote(name), errno);
  EntryAttrs attrs;
  attrs.mode = 0755;
  attrs.uid = creator_.uid;
  attrs.gid = creator_.gid;
  BERTH_TRY(FixAttrsFd(fd.get(), /*is_dir=*/true, attrs, initial));
  if (opaque) BERTH_TRY(SetOpaque(fd.get(), user_xattr_));
  return Ok();
}

Result<void> UnpackDirs::RecordTimes(const std::string& path, const struct timespec& atime,
                                     const struct timespec& mtime) {
  if (times_.size() >= kMaxRecordedTimes && !times_.count(path)) {
    BERTH_TRY(ApplyTimes());
    times_.clear();
  }
  times_[path] = Times{atime, mtime};
  return Ok();
}

Result<void> UnpackDirs::ApplyTimes() {
  struct Item {
    std::vector<std::string> components;
    const Times* times;
  };
  std::vector<Item> items;
  items.reserve(times_.size());
  for (const auto& [path, t] : times_) items.push_back({CleanComponents(path), &t});
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.components.size() > b.components.size();
  });
  for (const Item& item : items) {
    const size_t n = item.components.size();
    if (n == 0) {
      const struct timespec ts[2] = {item.times->atime, item.times->mtime};
      if (::utimensat(resolver_.root_fd(), ".", ts, 0) < 0) {
        return SysError("set times of the root directory", errno);
      }
      continue;
    }
    auto parent = Get(item.components, n - 1, Missing::kFail);
    if (!parent) {
      const int err = Errno(parent.error());
      if (err == ENOENT || err == ENOTDIR) continue;
      return std::move(parent).error();
    }
    const std::string& name = item.components.back();
    auto r = SetTimesAt(parent->fd(), name, item.times->atime, item.times->mtime);
    if (!r && Errno(r.error()) != ENOENT) {
      return std::move(r).error().Context(Quote(JoinComponents(item.components, n)));
    }
  }
  return Ok();
}

}  // namespace berth::store::unpack
