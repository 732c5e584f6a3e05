// History and cache text in the style of Docker's classic builder (dispatchers.go: commit
// messages "#(nop) ...", prependEnvOnCmd's "|N K=V") and buildah's getCreatedBy.
#include "history_text.hpp"

#include <cstdio>

#include "berth/base/strings.hpp"

namespace berth::builder {

namespace {

std::string FlagsText(const std::vector<Flag>& flags) {
  std::string out;
  for (const Flag& flag : flags) {
    out += " --" + flag.name + (flag.has_value ? "=" + flag.value : "");
  }
  return out;
}

std::string PairsText(const std::vector<KeyValue>& pairs) {
  std::string out;
  for (const KeyValue& pair : pairs) out += " " + pair.key + "=" + pair.value;
  return out;
}

std::string CopyText(const Step& step) {
  std::string out = std::string(StepKindName(step.kind)) + FlagsText(step.flags);
  for (const Heredoc& heredoc : step.heredocs) out += " <<" + heredoc.name;
  for (const std::string& word : step.words) out += " " + word;
  return out;
}

}  // namespace

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", u);
          out += buf;
        } else {
          out += c;  // printable ASCII and UTF-8 bytes, as Go keeps printable runes
        }
    }
  }
  return out + "\"";
}

std::string GoQuoteList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + GoQuote(items[i]);
  return out + "]";
}

std::string MetadataText(const Step& step) {
  std::string keyword(StepKindName(step.kind));
  switch (step.kind) {
    case StepKind::kEnv:
    case StepKind::kLabel:
      return keyword + PairsText(step.pairs);
    case StepKind::kCmd:
    case StepKind::kEntrypoint:
      return keyword + " " + GoQuoteList(step.argv);
    case StepKind::kShell:
      return keyword + " [" + Join(step.argv, " ") + "]";
    case StepKind::kVolume:
      return keyword + " [" + Join(step.words, " ") + "]";
    case StepKind::kExpose:
      return keyword + " " + Join(step.words, " ");
    case StepKind::kHealthcheck:
      return keyword + FlagsText(step.instruction.flags) + " " + step.instruction.args;
    case StepKind::kCopy:
    case StepKind::kAdd:
      return CopyText(step);
    default:  // WORKDIR USER STOPSIGNAL MAINTAINER ONBUILD: the expanded value
      return keyword + " " + step.value;
  }
}

std::string NopCreatedBy(std::string_view text) { return "/bin/sh -c #(nop) " + std::string(text); }

std::string RunCreatedBy(const Step& step, const std::vector<std::string>& history_args) {
  std::string out;
  if (!history_args.empty()) {
    out = "|" + std::to_string(history_args.size()) + " " + Join(history_args, " ") + " ";
  }
  if (!step.run_script.empty()) {
    return out + step.instruction.command.shell + "\n" + step.run_script;
  }
  return out + Join(step.argv, " ");
}

std::string CacheKeyText(const Step& step) {
  std::string out = step.created_by;
  if (step.kind == StepKind::kRun) {
    for (const Flag& flag : step.flags) {
      out += "\n--" + flag.name + (flag.has_value ? "=" + flag.value : "");
    }
  }
  if (step.kind == StepKind::kCopy || step.kind == StepKind::kAdd) {
    for (const Heredoc& heredoc : step.heredocs) {
      out += "\n<<" + heredoc.name + "\n" + heredoc.content;
    }
  }
  return out;
}

}  // namespace berth::builder
