#include "step_copy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/builder/content_hash.hpp"
#include "berth/builder/copy_destination.hpp"
#include "berth/runner/exec_user.hpp"
#include "berth/store/archive_unpack.hpp"
#include "root_writer.hpp"

namespace berth::builder {

namespace {

std::string Keyword(const Step& step) { return std::string(StepKindName(step.kind)); }

// The source arguments: every word but the destination.
std::vector<std::string> SourceWords(const Step& step) {
  if (step.words.empty()) return {};
  return {step.words.begin(), step.words.end() - 1};
}

bool IsUrl(const std::string& s) {
  return s.starts_with("http://") || s.starts_with("https://") || s.starts_with("git@");
}

Result<store::ImageRecord> FromImage(BuildSession& s, const Step& step) {
  if (step.from.kind == SourceRef::Kind::kStage) {
    auto it = s.stages.find(step.from.stage);
    if (it == s.stages.end()) {
      return InstructionError(s.file, step.instruction,
                              "stage " + std::to_string(step.from.stage) + " was not built");
    }
    return it->second;
  }
  auto image = s.options->ensure_image(step.from.image, "");
  if (!image) return InstructionError(s.file, step.instruction, image.error().message);
  return image;
}

// --chown=user[:group] resolved in the destination root; a user alone means gid = uid.
Result<CopyAttrs> AttrsFor(BuildSession& s, const Step& step, int root_fd) {
  CopyAttrs a;
  for (const Flag& e : step.flags) {
    if (e.name != "chown" || e.value.empty()) continue;
    auto user = runner::ResolveExecUserInRoot(e.value, root_fd);
    if (!user) return InstructionError(s.file, step.instruction, user.error().message);
    a.uid = user->uid;
    a.gid = e.value.find(':') == std::string::npos ? user->uid : user->gid;
    a.chown = true;
  }
  for (const Flag& e : step.flags) {
    if (e.name != "chmod") continue;
    char* end = nullptr;
    unsigned long mode = std::strtoul(e.value.c_str(), &end, 8);
    if (e.value.empty() || *end != '\0' || mode > 07777) {
      return InstructionError(s.file, step.instruction, "invalid --chmod " + Quote(e.value));
    }
    a.mode = static_cast<mode_t>(mode);
  }
  return a;
}

Result<void> CopyEntry(int src_fd, const std::string& src_path, EntryType type,
                       const std::string& dst, const CopyAttrs& given, RootWriter& w) {
  int flags = type == EntryType::kSymlink ? O_PATH | O_NOFOLLOW : O_RDONLY;
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenContextPath(src_fd, src_path, flags));
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(src_path), errno);
  CopyAttrs attrs = given;
  if (attrs.keep_owner) {
    attrs.uid = st.st_uid;
    attrs.gid = st.st_gid;
  }
  switch (type) {
    case EntryType::kRegular:
      return w.WriteFile(fd.get(), st, dst, attrs);
    case EntryType::kDirectory:
      return w.Directory(st, dst, attrs);
    case EntryType::kSymlink: {
      char target[PATH_MAX];
      ssize_t n = ::readlinkat(fd.get(), "", target, sizeof target - 1);
      if (n < 0) return SysError("read link " + Quote(src_path), errno);
      return w.Symlink(std::string(target, static_cast<size_t>(n)), dst, attrs);
    }
    case EntryType::kOther:
      break;
  }
  return MakeError(ErrorCode::kUnsupported,
                   "copy " + Quote(src_path) + ": not a file, directory or symlink");
}

std::string Join(const std::string& dir, const std::string& rel) {
  return dir == "/" ? "/" + rel : dir + "/" + rel;
}

// Where a file copied to `t` lands, its directory made (owned as `attrs` says): t.path, or
// inside it when that is an existing directory and the destination allows it.
Result<std::string> FileTarget(const CopyTarget& t, const CopyAttrs& attrs, RootWriter& w) {
  if (!t.create_dir.empty()) BERTH_TRY(w.MakeDirs(t.create_dir, attrs));
  if (!t.path_if_directory_exists.empty() && w.IsDirectory(t.path)) {
    return t.path_if_directory_exists;
  }
  return t.path;
}

// ADD of a local tar archive (plain, gzip, bzip2, xz, zstd): its contents go into the
// destination directory, with the owners the archive gives them unless --chown. It is
// unpacked into a scratch directory first (with the layer unpacker's defences), then copied.
Result<void> ExtractArchive(BuildSession& s, int fd, const ContextSource& m,
                            const CopyDestination& dest, const CopyAttrs& attrs, RootWriter& w) {
  CopyTarget t = CopyTargetFor(dest, m.path, true);
  BERTH_ASSIGN_OR_RETURN(TempDir scratch, TempDir::Create(s.work.path(), "archive-"));
  BERTH_ASSIGN_OR_RETURN(UniqueFd dir, Open(scratch.path(), O_RDONLY | O_DIRECTORY));
  auto unpacked = store::UnpackArchive(fd, dir.get());
  if (!unpacked) return std::move(unpacked).error().Context("extract " + m.path);
  BERTH_TRY(w.MakeDirs(t.path, attrs));
  BERTH_ASSIGN_OR_RETURN(std::vector<ContextTreeEntry> tree, ListContextTree(dir.get(), ".", {}));
  CopyAttrs a = attrs;
  a.keep_owner = !attrs.chown;
  for (const ContextTreeEntry& e : tree) {
    BERTH_TRY(CopyEntry(dir.get(), e.path, e.type, Join(t.path, e.rel), a, w));
  }
  return Ok();
}

// Copies one matched source to its target; `extract`: ADD, whose local tar archives are
// unpacked.
Result<void> CopySource(BuildSession& s, const PreparedCopy& c, const ContextSource& m,
                        const CopyDestination& dest, const CopyAttrs& attrs, bool extract,
                        RootWriter& w) {
  bool is_dir = m.type == EntryType::kDirectory;
  if (extract && m.type == EntryType::kRegular) {
    BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenContextPath(c.source_fd, m.resolved, O_RDONLY));
    if (store::IsTarArchive(fd.get())) return ExtractArchive(s, fd.get(), m, dest, attrs, w);
  }
  CopyTarget t = CopyTargetFor(dest, m.path, is_dir);
  if (!is_dir) {
    BERTH_ASSIGN_OR_RETURN(std::string path, FileTarget(t, attrs, w));
    return CopyEntry(c.source_fd, m.resolved, m.type, path, attrs, w);
  }
  BERTH_TRY(w.MakeDirs(t.path, attrs));  // with its parents
  BERTH_ASSIGN_OR_RETURN(std::vector<ContextTreeEntry> tree,
                         ListContextTree(c.source_fd, m.resolved, c.rules));
  for (const ContextTreeEntry& e : tree) {
    BERTH_TRY(CopyEntry(c.source_fd, e.path, e.type, Join(t.path, e.rel), attrs, w));
  }
  return Ok();
}

}  // namespace

Result<PreparedCopy> PrepareCopy(BuildSession& s, const Step& step) {
  PreparedCopy c;
  std::vector<std::string> sources = SourceWords(step);
  for (const auto& src : sources) {
    if (IsUrl(src)) {
      return InstructionError(s.file, step.instruction,
                              "remote sources are not supported (" + src +
                                  "); download them with RUN, or into the context first");
    }
  }
  if (step.from.kind == SourceRef::Kind::kContext) {
    c.source_fd = s.context_fd.get();
    c.rules = s.rules;
  } else {
    auto image = FromImage(s, step);
    if (!image) return std::move(image).error();
    BERTH_ASSIGN_OR_RETURN(c.from, MountForStep(s, *image, false));
    c.source_fd = c.from->root.get();
    c.content_key = "from " + image->config.String() + "\n";
  }
  if (!sources.empty()) {
    auto matched = ResolveContextSources(c.source_fd, sources, c.rules, Keyword(step));
    if (!matched) return InstructionError(s.file, step.instruction, matched.error().message);
    c.matched = std::move(*matched);
  }
  if (step.from.kind == SourceRef::Kind::kContext) {
    auto hash = HashContextSources(c.source_fd, c.matched, c.rules);
    if (!hash) return InstructionError(s.file, step.instruction, hash.error().message);
    c.content_key = *hash;
  }
  for (const auto& m : c.matched) c.content_key += "\n" + m.path;
  std::string kind =
      c.matched.size() + step.heredocs.size() != 1
          ? "multi"
          : (!c.matched.empty() && c.matched[0].type == EntryType::kDirectory ? "dir" : "file");
  c.summary = kind + ":" + store::Digest::Of(c.content_key).hex();
  return c;
}

std::string CopyCreatedBy(const Step& step, const PreparedCopy& copy) {
  std::string dest = step.words.empty() ? "" : step.words.back();
  std::string flags;
  for (const Flag& f : step.flags) {
    if (f.name == "chown" || f.name == "chmod" || f.name == "from") {
      flags += "--" + f.name + "=" + f.value + " ";
    }
  }
  return "/bin/sh -c #(nop) " + Keyword(step) + " " + flags + copy.summary + " in " + dest + " ";
}

Result<StepLayer> RunCopy(BuildSession& s, const Step& step, PreparedCopy& c,
                          const ImageState& state) {
  BERTH_ASSIGN_OR_RETURN(StepMount m, MountForStep(s, *state.record, true));
  auto fail = [&](const Error& e) { return InstructionError(s.file, step.instruction, e.message); };
  auto attrs = AttrsFor(s, step, m.root.get());
  if (!attrs) return std::move(attrs).error();
  CopyDestinationRequest req;
  req.instruction = Keyword(step);
  req.sources = SourceWords(step);
  for (const auto& h : step.heredocs) req.sources.push_back("<<" + h.name);
  req.dest = step.words.empty() ? "" : step.words.back();
  req.workdir = state.config.config.working_dir.empty() ? "/" : state.config.config.working_dir;
  req.matched_count = c.matched.size() + step.heredocs.size();
  auto dest = ResolveCopyDestination(req);
  if (!dest) return fail(dest.error());
  RootWriter w(m.root.get());
  for (const ContextSource& src : c.matched) {
    bool extract = step.kind == StepKind::kAdd;
    if (auto r = CopySource(s, c, src, *dest, *attrs, extract, w); !r) return fail(r.error());
  }
  for (const Heredoc& h : step.heredocs) {
    auto path = FileTarget(CopyTargetFor(*dest, h.name, false), *attrs, w);
    if (!path) return fail(path.error());
    if (auto r = w.WriteData(h.content, *path, *attrs); !r) return fail(r.error());
  }
  BERTH_ASSIGN_OR_RETURN(std::optional<StepLayer> layer,
                         CommitStepMount(s, m, state, /*skip_empty=*/false));
  return std::move(*layer);
}

}  // namespace berth::builder
