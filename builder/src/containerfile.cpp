// Instruction as a value: equality, printing (Dump) and the small lookups over it.
#include "berth/builder/containerfile.hpp"

#include <cstdio>

#include "history_text.hpp"

namespace berth::builder {

namespace {

// "text" with backslash escapes for quotes, backslashes and control characters, as Go's
// %q writes it (history_text.hpp).
std::string Quoted(std::string_view text) { return GoQuote(text); }

std::string List(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + Quoted(items[i]);
  return out + "]";
}

std::string CommandText(const Command& c) {
  return c.exec_form ? "exec " + List(c.exec) : "shell " + Quoted(c.shell);
}

std::string Duration(std::chrono::nanoseconds d) {
  int64_t n = d.count();
  if (n % 1000000000 == 0) return std::to_string(n / 1000000000) + "s";
  if (n % 1000000 == 0) return std::to_string(n / 1000000) + "ms";
  return std::to_string(n) + "ns";
}

std::string HealthcheckText(const Healthcheck& h) {
  if (h.none) return " none";
  std::string out = " cmd " + CommandText(h.test);
  auto add = [&out](const char* name, const std::optional<std::chrono::nanoseconds>& d) {
    if (d) out += std::string(" ") + name + "=" + Duration(*d);
  };
  add("interval", h.interval);
  add("timeout", h.timeout);
  add("start-period", h.start_period);
  add("start-interval", h.start_interval);
  if (h.retries) out += " retries=" + std::to_string(*h.retries);
  return out;
}

// The instruction without its line numbers and heredocs.
std::string Body(const Instruction& in) {
  std::string out = in.keyword;
  if (!in.flags.empty()) {
    out += " [";
    for (size_t i = 0; i < in.flags.size(); ++i) {
      const Flag& f = in.flags[i];
      out += (i ? " --" : "--") + f.name + (f.has_value ? "=" + f.value : "");
    }
    out += "]";
  }
  const std::string& k = in.keyword;
  if (k == "RUN" || k == "CMD" || k == "ENTRYPOINT" || k == "SHELL") {
    out += " " + CommandText(in.command);
  } else if (k == "COPY" || k == "ADD" || k == "VOLUME" || k == "EXPOSE") {
    out += (in.json_words ? " json " : " words ") + List(in.words);
  } else if (k == "ENV" || k == "LABEL" || k == "ARG") {
    for (const KeyValue& kv : in.pairs) {
      out += " " + Quoted(kv.key) + (kv.has_value ? "=" + Quoted(kv.value) : "");
    }
  } else if (k == "FROM") {
    out += " image " + Quoted(in.value);
    if (!in.stage_name.empty()) out += " as " + Quoted(in.stage_name);
  } else if (k == "HEALTHCHECK") {
    out += HealthcheckText(in.healthcheck);
  } else if (k == "ONBUILD") {
    out += " trigger (" + (in.trigger ? Body(*in.trigger) : std::string()) + ")";
  } else {
    out += " value " + Quoted(in.value);
  }
  return out;
}

std::string HeredocLines(const std::vector<Heredoc>& heredocs) {
  std::string out;
  for (const Heredoc& h : heredocs) {
    out += "\n  heredoc " + Quoted(h.name) + (h.expand ? " expand" : "") +
           (h.strip_tabs ? " strip_tabs" : "") + (h.fd ? " fd=" + std::to_string(h.fd) : "") +
           " content=" + Quoted(h.content);
  }
  return out;
}

}  // namespace

bool Instruction::operator==(const Instruction& o) const {
  bool same_trigger = trigger == o.trigger || (trigger && o.trigger && *trigger == *o.trigger);
  return keyword == o.keyword && line == o.line && end_line == o.end_line &&
         original == o.original && flags == o.flags && args == o.args && heredocs == o.heredocs &&
         command == o.command && words == o.words && json_words == o.json_words &&
         pairs == o.pairs && value == o.value && stage_name == o.stage_name &&
         healthcheck == o.healthcheck && same_trigger;
}

Error InstructionError(std::string_view file_name, const Instruction& instruction,
                       std::string_view what) {
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(file_name) + ":" + std::to_string(instruction.line) + ": " +
                       std::string(what) + ": " + instruction.original);
}

const Flag* FindFlag(const Instruction& instruction, std::string_view name) {
  const Flag* found = nullptr;
  for (const Flag& flag : instruction.flags) {
    if (flag.name == name) found = &flag;
  }
  return found;
}

std::string Dump(const Instruction& in) {
  std::string range = std::to_string(in.line);
  if (in.end_line != in.line) range += "-" + std::to_string(in.end_line);
  std::string out = range + " " + Body(in) + HeredocLines(in.heredocs);
  if (in.trigger) out += HeredocLines(in.trigger->heredocs);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Instruction& instruction) {
  return out << Dump(instruction);
}

}  // namespace berth::builder
