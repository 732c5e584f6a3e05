#include "process_env.hpp"

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

constexpr std::string_view kWhiteSpace = " \t\n\v\f\r";

bool HasKey(std::string_view entry, std::string_view key) {
  return entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
         entry[key.size()] == '=';
}

std::optional<std::string_view> Lookup(const std::vector<std::string>& env, std::string_view key) {
  for (const std::string& e : env) {
    if (HasKey(e, key)) return std::string_view(e).substr(key.size() + 1);
  }
  return std::nullopt;
}

// Checks one env-file line (leading white space already skipped) and applies it.
Result<void> ApplyEnvFileLine(std::string_view line, const std::vector<std::string>& caller_env,
                              EnvList& env) {
  if (line.find('\0') != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "contains a NUL byte");
  }
  std::string_view name = line.substr(0, line.find('='));
  if (name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no variable name on line " + Quote(line));
  }
  if (name.find_first_of(kWhiteSpace) != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "variable " + Quote(name) + " contains white space");
  }
  return ApplyEnvEntry(line, caller_env, env);
}

}  // namespace

void EnvList::Set(std::string_view key, std::string_view value) {
  std::string entry;
  entry.reserve(key.size() + 1 + value.size());
  entry.append(key).append("=").append(value);
  for (std::string& e : entries_) {
    if (HasKey(e, key)) {
      e = std::move(entry);
      return;
    }
  }
  entries_.push_back(std::move(entry));
}

std::optional<std::string_view> EnvList::Get(std::string_view key) const {
  return Lookup(entries_, key);
}

Result<void> ApplyEnvEntry(std::string_view entry, const std::vector<std::string>& caller_env,
                           EnvList& env) {
  size_t eq = entry.find('=');
  if (eq == 0 || entry.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid environment variable: " + Quote(entry));
  }
  if (eq != std::string_view::npos) {
    env.Set(entry.substr(0, eq), entry.substr(eq + 1));
    return Ok();
  }
  if (entry.back() == '*') {
    std::string_view prefix = entry.substr(0, entry.size() - 1);
    for (const std::string& e : caller_env) {
      size_t e_eq = e.find('=');
      if (e_eq == std::string::npos || e_eq == 0) continue;
      if (e.compare(0, prefix.size(), prefix) == 0 && prefix.size() <= e_eq) {
        env.Set(std::string_view(e).substr(0, e_eq), std::string_view(e).substr(e_eq + 1));
      }
    }
    return Ok();
  }
  if (auto value = Lookup(caller_env, entry)) env.Set(entry, *value);
  return Ok();
}

Result<void> ApplyEnvFile(const std::filesystem::path& path,
                          const std::vector<std::string>& caller_env, EnvList& env) {
  auto text = ReadFile(path);
  if (!text) return std::move(text).error().Context("read env file " + Quote(path.string()));
  std::string_view rest = *text;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  for (size_t line_no = 1; !rest.empty(); ++line_no) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    // Go's line scanner, which docker reads env files with, drops a trailing CR.
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(kWhiteSpace);
    if (first == std::string_view::npos || line[first] == '#') continue;
    auto applied = ApplyEnvFileLine(line.substr(first), caller_env, env);
    if (!applied) {
      return std::move(applied).error().Context("parse env file " + Quote(path.string()) +
                                                " line " + std::to_string(line_no));
    }
  }
  return Ok();
}

}  // namespace berth::runner
