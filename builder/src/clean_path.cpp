#include "clean_path.hpp"

namespace berth::builder {

std::string CleanPath(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path.front() == '/';
  std::vector<std::string_view> out;
  size_t dotdots = 0;  // leading ".." kept in a relative path
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (out.size() > dotdots) {
        out.pop_back();
      } else if (!rooted) {
        out.push_back(part);
        ++dotdots;
      }
      continue;
    }
    out.push_back(part);
  }
  std::string result = rooted ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  return result.empty() ? "." : result;
}

std::string CleanRel(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  return CleanPath(path);
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) parts.emplace_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

std::string JoinRel(std::string_view dir, std::string_view name) {
  if (dir.empty() || dir == ".") return std::string(name);
  std::string out(dir);
  out += '/';
  out += name;
  return out;
}

}  // namespace berth::builder
