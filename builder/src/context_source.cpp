#include "berth/builder/context_source.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "berth/base/strings.hpp"
#include "clean_path.hpp"
#include "context_path.hpp"
#include "glob_pattern.hpp"

namespace berth::builder {

namespace {

EntryType SourceType(mode_t mode) {
  if (S_ISREG(mode)) return EntryType::kRegular;
  if (S_ISDIR(mode)) return EntryType::kDirectory;
  return EntryType::kOther;
}

// Whether `path` may hold something the ignore rules let through, so that looking into it
// (or following it) is worth it.
bool MayHoldIncluded(const IgnoreRules& rules, const std::string& path) {
  return !rules.Matches(path) || rules.MayReincludeBelow(path);
}

// Whether the filtered context holds the matched path `path`, which leads to `loc`. A
// symlink that is itself ignored is not in the context; an ignored directory is there only
// as the parent of something an exception re-includes.
Result<bool> Present(int context_fd, const std::string& path, const ContextLocation& loc,
                     const IgnoreRules& rules) {
  if (path != loc.path && rules.Matches(path)) return false;
  if (!rules.Matches(loc.path)) return true;
  if (!S_ISDIR(loc.st.st_mode) || !rules.MayReincludeBelow(loc.path)) return false;
  BERTH_ASSIGN_OR_RETURN(auto below, ListContextTree(context_fd, loc.path, rules));
  return !below.empty();
}

// The candidates after matching one more component `part` below each of `current`.
Result<std::vector<std::string>> Expand(int context_fd, const std::vector<std::string>& current,
                                        const std::string& part, const IgnoreRules& rules,
                                        const std::string& what) {
  std::vector<std::string> next;
  if (!ContainsWildcards(part)) {
    for (const std::string& c : current) next.push_back(JoinRel(c, part));
    return next;
  }
  auto glob = GlobPattern::Compile(part, GlobPattern::Dialect::kPathMatch);
  if (!glob) return std::move(glob).error().Context(what);
  for (const std::string& c : current) {
    ContextLocation loc;
    int err = ResolveInContext(context_fd, c, /*follow_final=*/true, &loc);
    if (err == ENOENT || err == ENOTDIR) continue;
    if (err) return ContextPathError(what, err);
    if (!S_ISDIR(loc.st.st_mode)) continue;
    std::vector<DirChild> children;
    if (int e = ListCanonicalDir(context_fd, loc.path, &children)) {
      return SysError(what + ": list " + Quote(loc.path), e);
    }
    for (const DirChild& child : children) {
      if (!glob->Match(child.name)) continue;
      std::string candidate = JoinRel(c, child.name);
      if (MayHoldIncluded(rules, candidate)) next.push_back(std::move(candidate));
    }
  }
  return next;
}

// The matched sources of one source argument.
Result<std::vector<ContextSource>> ResolveOne(int context_fd, const std::string& source,
                                              const IgnoreRules& rules,
                                              std::string_view instruction) {
  const std::string what = std::string(instruction) + " " + source;
  const std::string rel = CleanRel(source);
  if (rel == ".." || rel.starts_with("../")) return ContextPathError(what, EXDEV);
  std::vector<std::string> candidates = {"."};
  if (rel != ".") {
    for (const std::string& part : SplitPath(rel)) {
      BERTH_ASSIGN_OR_RETURN(candidates, Expand(context_fd, candidates, part, rules, what));
    }
  }
  const bool literal = !ContainsWildcards(rel);
  std::vector<ContextSource> out;
  for (const std::string& path : candidates) {
    ContextLocation loc;
    int err = ResolveInContext(context_fd, path, /*follow_final=*/true, &loc);
    // A literal path must exist; a pattern's candidates exist as names, and one that leads
    // nowhere (a dangling symlink) simply does not count.
    if (err == ENOENT || err == ENOTDIR) {
      if (literal) return ContextPathError(what, err);
      continue;
    }
    if (err) return ContextPathError(what, err);
    BERTH_ASSIGN_OR_RETURN(bool present, Present(context_fd, path, loc, rules));
    if (!present) continue;
    out.push_back({source, path, loc.path, SourceType(loc.st.st_mode)});
  }
  if (out.empty()) return ContextPathError(what, ENOENT);
  return out;
}

}  // namespace

Result<std::vector<ContextSource>> ResolveContextSources(int context_fd,
                                                         const std::vector<std::string>& sources,
                                                         const IgnoreRules& rules,
                                                         std::string_view instruction) {
  std::vector<ContextSource> out;
  for (const std::string& source : sources) {
    BERTH_ASSIGN_OR_RETURN(auto matched, ResolveOne(context_fd, source, rules, instruction));
    for (ContextSource& m : matched) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace berth::builder
