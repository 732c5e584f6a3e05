#include "berth/builder/copy_destination.hpp"

#include "berth/base/strings.hpp"
#include "clean_path.hpp"

namespace berth::builder {

namespace {

// True when `dest` can only name a directory.
bool SpelledAsDirectory(std::string_view dest) {
  if (dest.empty() || dest.ends_with('/')) return true;
  size_t slash = dest.rfind('/');
  std::string_view last = slash == std::string_view::npos ? dest : dest.substr(slash + 1);
  return last == "." || last == "..";
}

std::string BaseName(std::string_view path) {
  std::string clean = CleanPath(path);
  size_t slash = clean.rfind('/');
  return slash == std::string::npos ? clean : clean.substr(slash + 1);
}

std::string ParentOf(const std::string& abs) {
  size_t slash = abs.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : abs.substr(0, slash);
}

std::string JoinAbs(const std::string& dir, std::string_view name) {
  return dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
}

}  // namespace

Result<CopyDestination> ResolveCopyDestination(const CopyDestinationRequest& request) {
  CopyDestination out;
  out.is_directory = SpelledAsDirectory(request.dest);
  if ((request.matched_count > 1 || request.sources.size() > 1) && !out.is_directory) {
    std::string what = request.instruction;
    for (const std::string& s : request.sources) what += " " + s;
    what += " " + request.dest;
    return MakeError(ErrorCode::kInvalidArgument,
                     what + ": when copying several sources the destination must end with /");
  }
  if (request.dest.starts_with('/')) {
    out.path = CleanPath(request.dest);
  } else {
    std::string workdir = request.workdir.empty() ? "/" : request.workdir;
    if (!workdir.starts_with('/')) workdir.insert(0, "/");
    out.path = CleanPath(workdir + "/" + request.dest);
  }
  return out;
}

CopyTarget CopyTargetFor(const CopyDestination& dest, std::string_view source_path,
                         bool source_is_directory) {
  CopyTarget t;
  if (source_is_directory) {
    t.path = dest.path;
    t.create_dir = dest.path;
  } else if (dest.is_directory) {
    t.path = JoinAbs(dest.path, BaseName(source_path));
    t.create_dir = dest.path;
  } else {
    t.path = dest.path;
    t.create_dir = ParentOf(dest.path);
    t.path_if_directory_exists = JoinAbs(dest.path, BaseName(source_path));
  }
  return t;
}

}  // namespace berth::builder
