// Parsing Docker/podman seccomp profiles (JSON) into seccomp::Profile.
//
// The format is the one Docker documents and podman ships in
// /usr/share/containers/seccomp.json. Unknown keys are ignored, as Docker's decoder does;
// null counts as absent (podman writes "args": null). Every error names the field.

#include <linux/seccomp.h>
#include <seccomp.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "berth/base/strings.hpp"
#include "seccomp_profile.hpp"

namespace berth::runner::seccomp {

namespace {

using Json = nlohmann::json;

Error Bad(const std::string& field, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, field + ": " + why);
}

// The member `key` of `obj`, or null when absent or null.
const Json* Member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> String(const Json& value, const std::string& field) {
  if (!value.is_string()) return Bad(field, "expected a string");
  return value.get<std::string>();
}

Result<uint64_t> Unsigned(const Json& value, const std::string& field) {
  if (!value.is_number_unsigned()) return Bad(field, "expected a non-negative integer");
  return value.get<uint64_t>();
}

Result<std::vector<std::string>> Strings(const Json& value, const std::string& field) {
  if (!value.is_array()) return Bad(field, "expected an array of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < value.size(); ++i) {
    BERTH_ASSIGN_OR_RETURN(std::string s, String(value[i], field + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(s));
  }
  return out;
}

// "EPERM" -> 1, using glibc's own names.
std::optional<uint32_t> ErrnoByName(std::string_view name) {
  for (int e = 1; e < 4096; ++e) {
    const char* n = ::strerrorname_np(e);
    if (n != nullptr && name == n) return static_cast<uint32_t>(e);
  }
  return std::nullopt;
}

// An action and its errno/trace value: `errno_ret` (a number) wins over `errno_name`.
Result<Action> ParseAction(const Json& obj, const char* action_key, const char* ret_key,
                           const char* name_key, const std::string& where) {
  const Json* action = Member(obj, action_key);
  std::string field = where + action_key;
  if (action == nullptr) return Bad(field, "missing");
  BERTH_ASSIGN_OR_RETURN(std::string name, String(*action, field));
  Action out;
  uint32_t ret = EPERM;
  bool has_ret = false;
  if (const Json* r = Member(obj, ret_key)) {
    BERTH_ASSIGN_OR_RETURN(uint64_t v, Unsigned(*r, where + ret_key));
    if (v > 4095) return Bad(where + ret_key, "errno " + std::to_string(v) + " out of range");
    ret = static_cast<uint32_t>(v);
    has_ret = true;
  } else if (const Json* n = Member(obj, name_key)) {
    BERTH_ASSIGN_OR_RETURN(std::string errno_name, String(*n, where + name_key));
    auto e = ErrnoByName(errno_name);
    if (!e) return Bad(where + name_key, "unknown errno " + Quote(errno_name));
    ret = *e;
  }
  using K = Action::Kind;
  if (name == "SCMP_ACT_ALLOW") return Action{K::kAllow, 0};
  if (name == "SCMP_ACT_ERRNO") return Action{K::kErrno, ret};
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return Action{K::kKillThread, 0};
  if (name == "SCMP_ACT_KILL_PROCESS") return Action{K::kKillProcess, 0};
  if (name == "SCMP_ACT_TRAP") return Action{K::kTrap, 0};
  if (name == "SCMP_ACT_TRACE") return Action{K::kTrace, has_ret ? ret : 0};
  if (name == "SCMP_ACT_LOG") return Action{K::kLog, 0};
  if (name == "SCMP_ACT_NOTIFY") {
    return MakeError(ErrorCode::kUnsupported,
                     field + ": SCMP_ACT_NOTIFY needs a seccomp agent, which berth does not run");
  }
  return Bad(field, "unknown action " + Quote(name));
}

Result<CompareOp> ParseOp(const std::string& name, const std::string& field) {
  static const std::pair<const char*, CompareOp> kOps[] = {
      {"SCMP_CMP_NE", CompareOp::kNotEqual},           {"SCMP_CMP_LT", CompareOp::kLess},
      {"SCMP_CMP_LE", CompareOp::kLessOrEqual},        {"SCMP_CMP_EQ", CompareOp::kEqual},
      {"SCMP_CMP_GE", CompareOp::kGreaterOrEqual},     {"SCMP_CMP_GT", CompareOp::kGreater},
      {"SCMP_CMP_MASKED_EQ", CompareOp::kMaskedEqual},
  };
  for (const auto& [text, op] : kOps) {
    if (name == text) return op;
  }
  return Bad(field, "unknown operator " + Quote(name));
}

Result<ArgCondition> ParseArg(const Json& arg, const std::string& where) {
  if (!arg.is_object()) return Bad(where, "expected an object");
  ArgCondition out;
  const Json* index = Member(arg, "index");
  if (index == nullptr) return Bad(where + ".index", "missing");
  BERTH_ASSIGN_OR_RETURN(uint64_t i, Unsigned(*index, where + ".index"));
  if (i > 5)
    return Bad(where + ".index", "syscalls have 6 arguments, got index " + std::to_string(i));
  out.index = static_cast<unsigned>(i);
  if (const Json* v = Member(arg, "value")) {
    BERTH_ASSIGN_OR_RETURN(out.value, Unsigned(*v, where + ".value"));
  }
  if (const Json* v = Member(arg, "valueTwo")) {
    BERTH_ASSIGN_OR_RETURN(out.value_two, Unsigned(*v, where + ".valueTwo"));
  }
  const Json* op = Member(arg, "op");
  if (op == nullptr) return Bad(where + ".op", "missing");
  BERTH_ASSIGN_OR_RETURN(std::string op_name, String(*op, where + ".op"));
  BERTH_ASSIGN_OR_RETURN(out.op, ParseOp(op_name, where + ".op"));
  return out;
}

// "4.8" or "5.10.0".
Result<KernelVersion> ParseKernel(const std::string& text, const std::string& field) {
  KernelVersion v;
  char tail = 0;
  int n = std::sscanf(text.c_str(), "%d.%d%c", &v.major, &v.minor, &tail);
  if (n < 2 || (n == 3 && tail != '.') || v.major < 0 || v.minor < 0) {
    return Bad(field, "expected a kernel version such as \"4.8\", got " + Quote(text));
  }
  return v;
}

Result<Filter> ParseFilter(const Json* obj, const std::string& where) {
  Filter out;
  if (obj == nullptr) return out;
  if (!obj->is_object()) return Bad(where, "expected an object");
  if (const Json* caps = Member(*obj, "caps")) {
    BERTH_ASSIGN_OR_RETURN(auto names, Strings(*caps, where + ".caps"));
    // A capability berth cannot name is one no container holds (-1), as a string compare
    // against the bounding set would have it in Docker.
    for (const std::string& n : names) {
      auto cap = ParseCapability(n);
      out.caps.push_back(cap ? *cap : -1);
    }
  }
  if (const Json* arches = Member(*obj, "arches")) {
    BERTH_ASSIGN_OR_RETURN(out.arches, Strings(*arches, where + ".arches"));
  }
  if (const Json* k = Member(*obj, "minKernel")) {
    BERTH_ASSIGN_OR_RETURN(std::string text, String(*k, where + ".minKernel"));
    BERTH_ASSIGN_OR_RETURN(out.min_kernel, ParseKernel(text, where + ".minKernel"));
  }
  return out;
}

Result<SyscallRule> ParseSyscall(const Json& obj, const std::string& where) {
  if (!obj.is_object()) return Bad(where, "expected an object");
  SyscallRule rule;
  const Json* names = Member(obj, "names");
  const Json* name = Member(obj, "name");
  if (names != nullptr && name != nullptr) return Bad(where, "has both \"name\" and \"names\"");
  if (names != nullptr) {
    BERTH_ASSIGN_OR_RETURN(rule.names, Strings(*names, where + ".names"));
  } else if (name != nullptr) {
    BERTH_ASSIGN_OR_RETURN(std::string one, String(*name, where + ".name"));
    rule.names.push_back(std::move(one));
  } else {
    return Bad(where + ".names", "missing");
  }
  BERTH_ASSIGN_OR_RETURN(rule.action, ParseAction(obj, "action", "errnoRet", "errno", where + "."));
  if (const Json* args = Member(obj, "args")) {
    if (!args->is_array()) return Bad(where + ".args", "expected an array");
    for (size_t i = 0; i < args->size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(ArgCondition arg,
                             ParseArg((*args)[i], where + ".args[" + std::to_string(i) + "]"));
      rule.args.push_back(arg);
    }
  }
  BERTH_ASSIGN_OR_RETURN(rule.includes, ParseFilter(Member(obj, "includes"), where + ".includes"));
  BERTH_ASSIGN_OR_RETURN(rule.excludes, ParseFilter(Member(obj, "excludes"), where + ".excludes"));
  return rule;
}

// "SCMP_ARCH_X86_64" -> the libseccomp token; 0 for a well-formed name this libseccomp does
// not know (skipped: only the native entry matters).
Result<uint32_t> ParseArch(const Json& value, const std::string& field) {
  BERTH_ASSIGN_OR_RETURN(std::string name, String(value, field));
  constexpr std::string_view kPrefix = "SCMP_ARCH_";
  if (name.rfind(kPrefix, 0) != 0 || name.size() == kPrefix.size()) {
    return Bad(field, "expected an architecture such as \"SCMP_ARCH_X86_64\", got " + Quote(name));
  }
  std::string lower = name.substr(kPrefix.size());
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ::seccomp_arch_resolve_name(lower.c_str());
}

Result<void> ParseArchitectures(const Json& root, Profile& profile) {
  if (const Json* list = Member(root, "architectures")) {
    if (!list->is_array()) return Bad("architectures", "expected an array");
    for (size_t i = 0; i < list->size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(uint32_t arch,
                             ParseArch((*list)[i], "architectures[" + std::to_string(i) + "]"));
      if (arch != 0) profile.architectures.push_back(arch);
    }
  }
  const Json* map = Member(root, "archMap");
  if (map == nullptr) return Ok();
  if (!map->is_array()) return Bad("archMap", "expected an array");
  for (size_t i = 0; i < map->size(); ++i) {
    std::string where = "archMap[" + std::to_string(i) + "]";
    const Json& entry = (*map)[i];
    if (!entry.is_object()) return Bad(where, "expected an object");
    const Json* arch = Member(entry, "architecture");
    if (arch == nullptr) return Bad(where + ".architecture", "missing");
    ArchMapEntry out;
    BERTH_ASSIGN_OR_RETURN(out.arch, ParseArch(*arch, where + ".architecture"));
    if (const Json* subs = Member(entry, "subArchitectures")) {
      if (!subs->is_array()) return Bad(where + ".subArchitectures", "expected an array");
      for (size_t j = 0; j < subs->size(); ++j) {
        BERTH_ASSIGN_OR_RETURN(uint32_t sub, ParseArch((*subs)[j], where + ".subArchitectures[" +
                                                                       std::to_string(j) + "]"));
        if (sub != 0) out.sub_arches.push_back(sub);
      }
    }
    if (out.arch != 0) profile.arch_map.push_back(std::move(out));
  }
  return Ok();
}

Result<uint32_t> ParseFlags(const Json& root) {
  const Json* flags = Member(root, "flags");
  if (flags == nullptr) return 0u;
  BERTH_ASSIGN_OR_RETURN(auto names, Strings(*flags, "flags"));
  uint32_t out = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "SECCOMP_FILTER_FLAG_LOG") {
      out |= SECCOMP_FILTER_FLAG_LOG;
    } else if (names[i] == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
      out |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    } else if (names[i] != "SECCOMP_FILTER_FLAG_TSYNC") {  // one thread: nothing to sync
      return Bad("flags[" + std::to_string(i) + "]", "unknown flag " + Quote(names[i]));
    }
  }
  return out;
}

Result<Profile> ParseRoot(const Json& root) {
  if (!root.is_object()) return Bad("profile", "expected a JSON object");
  Profile profile;
  BERTH_ASSIGN_OR_RETURN(profile.default_action,
                         ParseAction(root, "defaultAction", "defaultErrnoRet", "defaultErrno", ""));
  if (const Json* path = Member(root, "listenerPath")) {
    BERTH_ASSIGN_OR_RETURN(std::string listener, String(*path, "listenerPath"));
    if (!listener.empty()) {
      return MakeError(ErrorCode::kUnsupported,
                       "listenerPath: seccomp agents are not supported by berth");
    }
  }
  BERTH_TRY(ParseArchitectures(root, profile));
  BERTH_ASSIGN_OR_RETURN(profile.flags, ParseFlags(root));
  if (const Json* syscalls = Member(root, "syscalls")) {
    if (!syscalls->is_array()) return Bad("syscalls", "expected an array");
    for (size_t i = 0; i < syscalls->size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(SyscallRule rule,
                             ParseSyscall((*syscalls)[i], "syscalls[" + std::to_string(i) + "]"));
      profile.syscalls.push_back(std::move(rule));
    }
  }
  return profile;
}

}  // namespace

Result<Profile> ParseProfileJson(std::string_view json) {
  Json root = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Bad("profile", "not valid JSON");
  // Only the parse above could throw; the accessors used below check types first.
  return ParseRoot(root);
}

}  // namespace berth::runner::seccomp
