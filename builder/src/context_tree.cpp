// ListContextTree, OpenContextPath and EntryTypeName (context_source.hpp).
#include <fcntl.h>
#include <sys/stat.h>

#include "berth/base/strings.hpp"
#include "berth/builder/context_source.hpp"
#include "clean_path.hpp"
#include "context_path.hpp"

namespace berth::builder {

namespace {

EntryType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return EntryType::kRegular;
  if (S_ISDIR(mode)) return EntryType::kDirectory;
  if (S_ISLNK(mode)) return EntryType::kSymlink;
  return EntryType::kOther;
}

ContextTreeEntry MakeEntry(std::string rel, std::string path, const struct stat& st) {
  ContextTreeEntry e;
  e.rel = std::move(rel);
  e.path = std::move(path);
  e.type = TypeOf(st.st_mode);
  e.mode = st.st_mode;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.size = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
  e.rdev = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? st.st_rdev : 0;
  return e;
}

// Appends what survives below the canonical directory `dir` (listed as `rel`) to `out`.
Result<void> Walk(int context_fd, const std::string& dir, const std::string& rel,
                  const IgnoreRules& rules, std::vector<ContextTreeEntry>* out) {
  std::vector<DirChild> children;
  if (int err = ListCanonicalDir(context_fd, dir, &children)) {
    return SysError("list " + Quote(dir) + " in the build context", err);
  }
  for (const DirChild& child : children) {
    std::string path = JoinRel(dir, child.name);
    std::string child_rel = JoinRel(rel, child.name);
    const bool excluded = rules.Matches(path);
    if (!S_ISDIR(child.st.st_mode)) {
      if (!excluded) out->push_back(MakeEntry(std::move(child_rel), std::move(path), child.st));
      continue;
    }
    if (excluded && !rules.MayReincludeBelow(path)) continue;
    const size_t at = out->size();
    out->push_back(MakeEntry(child_rel, path, child.st));
    BERTH_TRY(Walk(context_fd, path, child_rel, rules, out));
    // An excluded directory exists in the context only as the parent of what an exception
    // re-included below it (as BuildKit's fsutil sends it).
    if (excluded && out->size() == at + 1) out->pop_back();
  }
  return Ok();
}

}  // namespace

std::string_view EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kRegular:
      return "file";
    case EntryType::kDirectory:
      return "directory";
    case EntryType::kSymlink:
      return "symlink";
    case EntryType::kOther:
      return "other";
  }
  return "other";
}

Result<std::vector<ContextTreeEntry>> ListContextTree(int context_fd, std::string_view dir,
                                                      const IgnoreRules& rules) {
  std::string start = CleanRel(dir);
  UniqueFd fd;
  if (int err = OpenCanonical(context_fd, start, O_PATH | O_NOFOLLOW, &fd)) {
    return ContextPathError("list " + Quote(start), err);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(start), errno);
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, "list " + Quote(start) + ": not a directory");
  }
  std::vector<ContextTreeEntry> out;
  BERTH_TRY(Walk(context_fd, start, "", rules, &out));
  return out;
}

Result<UniqueFd> OpenContextPath(int context_fd, std::string_view path, int flags) {
  UniqueFd fd;
  if (int err = OpenCanonical(context_fd, path, flags, &fd)) {
    return ContextPathError("open " + Quote(path), err);
  }
  return fd;
}

}  // namespace berth::builder
