#include "stage_scope.hpp"

#include <algorithm>

namespace berth::builder {

void StageScope::StartFromImage(const store::ContainerConfig& config) {
  env_.clear();
  for (const std::string& entry : config.env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      SetEnv(entry, "");
    } else {
      SetEnv(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  if (FindEnv("PATH") == nullptr) SetEnv("PATH", std::string(kDefaultPath));
  workdir_ = config.working_dir.empty() ? "/" : config.working_dir;
  if (config.shell && !config.shell->empty()) shell_ = *config.shell;
}

void StageScope::StartFromScratch() { StartFromImage({}); }

void StageScope::StartFromStage(const StageScope& base) {
  env_ = base.env_;
  args_declared_ = base.args_declared_;
  workdir_ = base.workdir_;
  shell_ = base.shell_;
}

const std::string* StageScope::FindEnv(std::string_view key) const {
  for (const auto& [k, v] : env_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::optional<std::string> StageScope::Lookup(std::string_view name) const {
  if (const std::string* value = FindEnv(name)) return *value;
  for (auto it = args_declared_.rbegin(); it != args_declared_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  if (IsProxyArg(name)) return args_->Given(name);
  return std::nullopt;
}

VarLookup StageScope::lookup() const {
  return [this](std::string_view name) { return Lookup(name); };
}

void StageScope::SetEnv(const std::string& key, const std::string& value) {
  for (auto& [k, v] : env_) {
    if (k == key) {
      v = value;
      return;
    }
  }
  env_.emplace_back(key, value);
}

void StageScope::DeclareArg(const std::string& name, std::optional<std::string> value) {
  for (auto& [n, v] : args_declared_) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  args_declared_.emplace_back(name, std::move(value));
}

bool StageScope::IsDeclaredArg(std::string_view name) const {
  return std::any_of(args_declared_.begin(), args_declared_.end(),
                     [&](const auto& arg) { return arg.first == name; });
}

std::vector<std::string> StageScope::HistoryArgs() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : args_declared_) {
    if (value && FindEnv(name) == nullptr) out.push_back(name + "=" + *value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> StageScope::ArgEnv() const {
  std::vector<std::string> out = HistoryArgs();
  for (const auto& [name, value] : args_->given()) {
    if (IsProxyArg(name) && !IsDeclaredArg(name) && FindEnv(name) == nullptr) {
      out.push_back(name + "=" + value);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace berth::builder
