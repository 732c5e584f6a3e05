// Build args, predefined ARGs and the global ARG scope (Docker's reference, "ARG" and
// "Predefined ARGs"; BuildKit's buildMetaArgs).
#include "build_args.hpp"

#include <algorithm>
#include <array>

#include "berth/base/strings.hpp"

namespace berth::builder {

namespace {

constexpr std::array<std::string_view, 10> kProxyArgs = {
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
    "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy"};

constexpr std::array<std::string_view, 8> kPlatformArgs = {
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM",  "BUILDOS",  "BUILDARCH",  "BUILDVARIANT"};

bool IsPlatformArg(std::string_view name) {
  return std::find(kPlatformArgs.begin(), kPlatformArgs.end(), name) != kPlatformArgs.end();
}

// Names the user may give without any ARG declaring them, without a warning.
bool IsExemptFromUnused(std::string_view name) {
  return IsProxyArg(name) || IsPlatformArg(name) || name == "SOURCE_DATE_EPOCH";
}

void AddPlatformArgs(std::map<std::string, std::string>& vars, const std::string& prefix,
                     const store::Platform& p) {
  if (p.os.empty() && p.architecture.empty()) return;
  vars[prefix + "PLATFORM"] = p.String();
  vars[prefix + "OS"] = p.os;
  vars[prefix + "ARCH"] = p.architecture;
  vars[prefix + "VARIANT"] = p.variant;
}

}  // namespace

bool IsProxyArg(std::string_view name) {
  return std::find(kProxyArgs.begin(), kProxyArgs.end(), name) != kProxyArgs.end();
}

BuildArgs::BuildArgs(const PlanOptions& options) {
  for (const auto& [name, value] : options.build_args) {
    if (value) {
      given_[name] = *value;
    } else if (options.environment) {
      if (auto from_env = options.environment(name)) given_[name] = *from_env;
    }
  }
  AddPlatformArgs(globals_, "TARGET", options.target_platform);
  AddPlatformArgs(globals_, "BUILD", options.build_platform);
  for (auto& [name, value] : globals_) {
    if (auto it = given_.find(name); it != given_.end()) value = it->second;
  }
}

std::optional<std::string> BuildArgs::Given(std::string_view name) const {
  auto it = given_.find(std::string(name));
  if (it == given_.end()) return std::nullopt;
  return it->second;
}

Result<void> BuildArgs::DeclareGlobals(std::string_view file_name,
                                       const std::vector<const Instruction*>& globals,
                                       char escape) {
  VarLookup lookup = GlobalLookup();
  for (const Instruction* in : globals) {
    for (const KeyValue& pair : in->pairs) {
      declared_globals_.insert(pair.key);
      MarkDeclared(pair.key);
      if (auto given = Given(pair.key)) {
        globals_[pair.key] = *given;
      } else if (pair.has_value) {
        auto value = ExpandWord(pair.value, lookup, {.escape = escape});
        if (!value) return InstructionError(file_name, *in, value.error().message);
        globals_[pair.key] = *value;
      }
      // "ARG V" alone keeps what V had: unset, an earlier global value, or a platform's.
    }
  }
  return Ok();
}

VarLookup BuildArgs::GlobalLookup() const {
  return [this](std::string_view name) { return Global(name); };
}

std::optional<std::string> BuildArgs::Global(std::string_view name) const {
  auto it = globals_.find(std::string(name));
  if (it == globals_.end()) return std::nullopt;
  return it->second;
}

bool BuildArgs::IsDeclaredGlobal(std::string_view name) const {
  return declared_globals_.count(std::string(name)) > 0;
}

std::string BuildArgs::UnusedWarning() const {
  std::vector<std::string> unused;
  for (const auto& [name, value] : given_) {
    if (!declared_.count(name) && !IsExemptFromUnused(name)) unused.push_back(name);
  }
  if (unused.empty()) return "";
  return "one or more build args were not consumed: [" + Join(unused, " ") + "]";
}

}  // namespace berth::builder
