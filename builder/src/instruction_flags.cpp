// Instruction flags: BuildKit's extractBuilderFlags (splitting) and BFlags (checking).
#include "instruction_flags.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "berth/base/strings.hpp"

namespace berth::builder {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

enum class FlagType { kBool, kString, kStrings };

struct FlagSpec {
  std::string_view keyword;
  std::string_view name;
  FlagType type;
};

constexpr std::array kFlagSpecs = {
    FlagSpec{"FROM", "platform", FlagType::kString},
    FlagSpec{"RUN", "mount", FlagType::kStrings},
    FlagSpec{"RUN", "network", FlagType::kString},
    FlagSpec{"RUN", "security", FlagType::kString},
    FlagSpec{"RUN", "device", FlagType::kStrings},
    FlagSpec{"COPY", "from", FlagType::kString},
    FlagSpec{"COPY", "chown", FlagType::kString},
    FlagSpec{"COPY", "chmod", FlagType::kString},
    FlagSpec{"COPY", "link", FlagType::kBool},
    FlagSpec{"COPY", "parents", FlagType::kBool},
    FlagSpec{"COPY", "exclude", FlagType::kStrings},
    FlagSpec{"ADD", "chown", FlagType::kString},
    FlagSpec{"ADD", "chmod", FlagType::kString},
    FlagSpec{"ADD", "checksum", FlagType::kString},
    FlagSpec{"ADD", "link", FlagType::kBool},
    FlagSpec{"ADD", "keep-git-dir", FlagType::kBool},
    FlagSpec{"ADD", "unpack", FlagType::kBool},
    FlagSpec{"ADD", "parents", FlagType::kBool},
    FlagSpec{"ADD", "exclude", FlagType::kStrings},
    FlagSpec{"HEALTHCHECK", "interval", FlagType::kString},
    FlagSpec{"HEALTHCHECK", "timeout", FlagType::kString},
    FlagSpec{"HEALTHCHECK", "start-period", FlagType::kString},
    FlagSpec{"HEALTHCHECK", "start-interval", FlagType::kString},
    FlagSpec{"HEALTHCHECK", "retries", FlagType::kString},
};

const FlagSpec* FindSpec(std::string_view keyword, std::string_view name) {
  for (const FlagSpec& spec : kFlagSpecs) {
    if (spec.keyword == keyword && spec.name == name) return &spec;
  }
  return nullptr;
}

Flag ToFlag(const std::string& word) {
  Flag flag;
  std::string_view body = std::string_view(word).substr(2);
  size_t eq = body.find('=');
  flag.name = std::string(body.substr(0, eq));
  if (eq != std::string_view::npos) {
    flag.has_value = true;
    flag.value = std::string(body.substr(eq + 1));
  }
  return flag;
}

// Reads the flag word at `pos` (which starts with "--") up to unquoted whitespace.
std::string ReadFlagWord(std::string_view args, size_t& pos) {
  std::string word;
  char quote = 0;
  while (pos < args.size()) {
    char c = args[pos++];
    if (quote == 0 && IsSpace(c)) break;
    if (quote == 0 && (c == '\'' || c == '"')) {
      quote = c;
      continue;
    }
    if (quote != 0 && c == quote) {
      quote = 0;
      continue;
    }
    if (c == '\\') {
      if (pos == args.size()) break;  // a backslash at the very end is dropped
      c = args[pos++];
    }
    word += c;
  }
  return word;
}

}  // namespace

FlagsAndRest SplitFlags(std::string_view args) {
  FlagsAndRest out;
  size_t pos = 0;
  while (true) {
    while (pos < args.size() && IsSpace(args[pos])) ++pos;
    if (args.substr(pos, 2) != "--") break;
    std::string word = ReadFlagWord(args, pos);
    if (word == "--") break;
    out.flags.push_back(ToFlag(word));
  }
  out.rest = Trim(args.substr(std::min(pos, args.size())));
  return out;
}

Result<void> CheckFlags(std::string_view keyword, const std::vector<Flag>& flags) {
  auto invalid = [](std::string message) {
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
  };
  for (size_t i = 0; i < flags.size(); ++i) {
    const Flag& flag = flags[i];
    const FlagSpec* spec = FindSpec(keyword, flag.name);
    if (spec == nullptr) return invalid("unknown flag: --" + flag.name);
    if (spec->type != FlagType::kStrings) {
      for (size_t j = 0; j < i; ++j) {
        if (flags[j].name == flag.name) {
          return invalid("duplicate flag specified: --" + flag.name);
        }
      }
    }
    if (spec->type == FlagType::kBool) {
      if (flag.has_value && flag.value.empty()) {
        return invalid("missing a value on flag: --" + flag.name);
      }
      std::string lower = flag.value;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower != "" && lower != "true" && lower != "false") {
        return invalid("expecting boolean value for flag --" + flag.name + ", not: " + flag.value);
      }
    } else if (!flag.has_value) {
      return invalid("missing a value on flag: --" + flag.name);
    }
  }
  return Ok();
}

}  // namespace berth::builder
