#include "berth/builder/ignore_rules.hpp"

#include <fcntl.h>

#include "berth/base/strings.hpp"
#include "clean_path.hpp"
#include "context_path.hpp"
#include "glob_pattern.hpp"

namespace berth::builder {

namespace {

constexpr uint64_t kMaxIgnoreFileBytes = 16 << 20;

struct Rule {
  std::string text;  // cleaned, without '!'
  bool exception = false;
  GlobPattern glob;
};

struct Line {
  size_t number;
  std::string pattern;
};

// ignorefile.ReadAll: one pattern per line, comments and blank lines dropped, each pattern
// cleaned and made relative to the context root; exceptions keep their '!'.
std::vector<Line> ReadPatterns(std::string_view text) {
  std::vector<Line> patterns;
  size_t number = 0;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    if (line.starts_with('#')) continue;
    line = Trim(line);
    if (line.empty()) continue;
    const bool exception = line.front() == '!';
    if (exception) line = Trim(line.substr(1));
    std::string pattern;
    if (!line.empty()) {
      pattern = CleanPath(line);
      if (pattern.size() > 1 && pattern.front() == '/') pattern.erase(0, 1);
    }
    patterns.push_back({number, exception ? "!" + pattern : pattern});
  }
  return patterns;
}

}  // namespace

struct IgnoreRules::Impl {
  std::vector<Rule> rules;
  bool has_exceptions = false;
};

Result<IgnoreRules> IgnoreRules::FromPatterns(const std::vector<std::string>& patterns) {
  auto impl = std::make_shared<Impl>();
  for (const std::string& raw : patterns) {
    std::string_view trimmed = Trim(raw);
    if (trimmed.empty()) continue;
    // patternmatcher.New cleans the pattern with its '!' still attached.
    std::string p = CleanPath(trimmed);
    Rule rule;
    if (p.front() == '!') {
      if (p.size() == 1) {
        return MakeError(ErrorCode::kInvalidArgument, "illegal exclusion pattern: \"!\"");
      }
      rule.exception = true;
      impl->has_exceptions = true;
      p.erase(0, 1);
    }
    BERTH_ASSIGN_OR_RETURN(rule.glob, GlobPattern::Compile(p, GlobPattern::Dialect::kIgnoreFile));
    rule.text = std::move(p);
    impl->rules.push_back(std::move(rule));
  }
  IgnoreRules out;
  out.impl_ = std::move(impl);
  return out;
}

Result<IgnoreRules> IgnoreRules::Parse(std::string_view text) {
  std::vector<std::string> patterns;
  for (Line& line : ReadPatterns(text)) {
    // Checked one at a time so that an error can name its line.
    auto one = FromPatterns({line.pattern});
    if (!one) return std::move(one).error().Context("line " + std::to_string(line.number));
    patterns.push_back(std::move(line.pattern));
  }
  return FromPatterns(patterns);
}

bool IgnoreRules::empty() const { return !impl_ || impl_->rules.empty(); }

bool IgnoreRules::has_exceptions() const { return impl_ && impl_->has_exceptions; }

std::vector<std::string> IgnoreRules::patterns() const {
  std::vector<std::string> out;
  if (!impl_) return out;
  for (const Rule& r : impl_->rules) out.push_back(r.exception ? "!" + r.text : r.text);
  return out;
}

bool IgnoreRules::Matches(std::string_view raw) const {
  if (empty()) return false;
  std::string path = CleanRel(raw);
  if (path == ".") return false;
  // The parent directories, shortest first ("a", "a/b" for "a/b/c").
  std::vector<std::string_view> parents;
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    parents.push_back(std::string_view(path).substr(0, slash));
  }
  bool matched = false;
  for (const Rule& rule : impl_->rules) {
    // As patternmatcher: an include pattern cannot change a path already excluded, nor an
    // exception one that is not.
    if (rule.exception != matched) continue;
    bool match = rule.glob.Match(path);
    for (size_t i = 0; !match && i < parents.size(); ++i) match = rule.glob.Match(parents[i]);
    if (match) matched = !rule.exception;
  }
  return matched;
}

bool IgnoreRules::MayReincludeBelow(std::string_view raw) const {
  if (!has_exceptions()) return false;
  std::string dir = CleanRel(raw);
  std::string prefix = dir == "." ? "" : dir + "/";
  // If no exception can match a path strictly below `dir`, every such path stays excluded
  // with `dir`: an exception that matches `dir` or one of its parents would have
  // re-included `dir` too, and any later pattern that excludes `dir` again excludes
  // everything below it.
  for (const Rule& rule : impl_->rules) {
    if (rule.exception && rule.glob.MayMatchBelow(prefix)) return true;
  }
  return false;
}

Result<IgnoreRules> LoadIgnoreRules(int context_fd) {
  for (const char* name : kIgnoreFileNames) {
    auto text = ReadContextFile(context_fd, name, kMaxIgnoreFileBytes);
    if (!text) return std::move(text).error();
    if (!text->has_value()) continue;
    auto rules = IgnoreRules::Parse(**text);
    if (!rules) return std::move(rules).error().Context("read " + Quote(name));
    return rules;
  }
  return IgnoreRules();
}

}  // namespace berth::builder
