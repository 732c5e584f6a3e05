// Dockerfile instructions applied to an image config. Word splitting and quote removal follow
// Docker's shell lexer for the parts that matter here: outside quotes a backslash escapes the
// next character, single quotes are literal, and inside double quotes a backslash escapes
// only '"', '\' and '$' (elsewhere it stays).
#include "berth/runner/image_config_change.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

using store::ContainerConfig;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Error Invalid(std::string_view change, const std::string& cause) {
  return MakeError(ErrorCode::kInvalidArgument, "change " + Quote(change) + ": " + cause);
}

// Splits on unquoted white space (split = true) or only removes quotes (split = false).
// nullopt for an unterminated quote.
std::optional<std::vector<std::string>> Lex(std::string_view text, bool split) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (split && IsSpace(c)) {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\' && i + 1 < text.size()) {
      cur += text[++i];
    } else if (c == '\'') {
      size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) return std::nullopt;
      cur.append(text.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) return std::nullopt;
        if (text[i] == '"') break;
        if (text[i] == '\\' && i + 1 < text.size() &&
            (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '$')) {
          ++i;
        }
        cur += text[i];
      }
    } else {
      cur += c;
    }
  }
  if (in_word) words.push_back(std::move(cur));
  return words;
}

// A JSON array of strings ("exec form"); nullopt if `value` is not JSON at all, an error if
// it is JSON but not a list of strings.
Result<std::optional<std::vector<std::string>>> JsonList(std::string_view change,
                                                         std::string_view value) {
  if (value.empty() || value.front() != '[') return std::optional<std::vector<std::string>>();
  nlohmann::json j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::optional<std::vector<std::string>>();
  if (!j.is_array()) return Invalid(change, "expected a JSON list of strings");
  std::vector<std::string> out;
  for (const auto& item : j) {
    if (!item.is_string()) return Invalid(change, "expected a JSON list of strings");
    out.push_back(item.get<std::string>());
  }
  return std::optional(std::move(out));
}

Result<std::vector<std::string>> Command(std::string_view change, std::string_view value,
                                         const ContainerConfig& c) {
  BERTH_ASSIGN_OR_RETURN(auto list, JsonList(change, value));
  if (list) return *std::move(list);
  // Shell form: the image's SHELL (Docker format) or /bin/sh -c, with the text as one word.
  std::vector<std::string> argv =
      c.shell && !c.shell->empty() ? *c.shell : std::vector<std::string>{"/bin/sh", "-c"};
  argv.emplace_back(value);
  return argv;
}

// KEY=VALUE words, or the legacy "KEY VALUE" form, for ENV and LABEL.
Result<std::vector<std::pair<std::string, std::string>>> Pairs(std::string_view change,
                                                               std::string_view value) {
  auto words = Lex(value, true);
  if (!words) return Invalid(change, "unterminated quote");
  std::vector<std::pair<std::string, std::string>> out;
  if (!words->empty() && words->front().find('=') == std::string::npos) {
    size_t ws = 0;
    while (ws < value.size() && !IsSpace(value[ws])) ++ws;
    std::string_view rest = Trim(value.substr(ws));
    if (rest.empty()) return Invalid(change, "expected KEY=VALUE or KEY VALUE");
    auto unquoted = Lex(rest, false);
    if (!unquoted) return Invalid(change, "unterminated quote");
    out.emplace_back(words->front(), unquoted->empty() ? "" : unquoted->front());
    return out;
  }
  for (const std::string& w : *words) {
    size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Invalid(change, Quote(w) + " is not KEY=VALUE");
    }
    out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return out;
}

void SetEnv(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  std::string entry = key + "=" + value;
  for (std::string& e : env) {
    if (e.compare(0, key.size() + 1, key + "=") == 0 || e == key) {
      e = entry;
      return;
    }
  }
  env.push_back(std::move(entry));
}

void AddSorted(std::vector<std::string>& set, std::string item) {
  auto it = std::lower_bound(set.begin(), set.end(), item);
  if (it == set.end() || *it != item) set.insert(it, std::move(item));
}

std::optional<int> ParsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return std::nullopt;
  return v;
}

// "80", "80/udp", "8000-8002/tcp" into "80/tcp" ... entries.
Result<void> Expose(std::string_view change, std::string_view value, ContainerConfig& c) {
  auto words = Lex(value, true);
  if (!words) return Invalid(change, "unterminated quote");
  for (const std::string& w : *words) {
    std::string_view spec = w;
    std::string proto = "tcp";
    if (size_t slash = spec.find('/'); slash != std::string_view::npos) {
      proto = std::string(spec.substr(slash + 1));
      std::transform(proto.begin(), proto.end(), proto.begin(),
                     [](unsigned char ch) { return std::tolower(ch); });
      spec = spec.substr(0, slash);
    }
    if (proto != "tcp" && proto != "udp" && proto != "sctp") {
      return Invalid(change, "protocol " + Quote(proto) + ": expected tcp, udp or sctp");
    }
    size_t dash = spec.find('-');
    auto first = ParsePort(spec.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : ParsePort(spec.substr(dash + 1));
    if (!first || !last || *last < *first) return Invalid(change, "invalid port " + Quote(w));
    for (int p = *first; p <= *last; ++p)
      AddSorted(c.exposed_ports, std::to_string(p) + "/" + proto);
  }
  return Ok();
}

Result<void> Volume(std::string_view change, std::string_view value, ContainerConfig& c) {
  BERTH_ASSIGN_OR_RETURN(auto list, JsonList(change, value));
  if (!list) {
    auto words = Lex(value, true);
    if (!words) return Invalid(change, "unterminated quote");
    list = std::move(words);
  }
  for (std::string& v : *list) {
    if (Trim(v).empty()) return Invalid(change, "empty volume path");
    AddSorted(c.volumes, std::move(v));
  }
  return Ok();
}

// Docker's normalizeWorkdir: relative paths join onto the current one; the result is clean.
std::string Workdir(const std::string& current, const std::string& requested) {
  namespace fs = std::filesystem;
  fs::path p = requested.starts_with('/') ? fs::path(requested)
                                          : fs::path(current.empty() ? "/" : current) / requested;
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// A signal name ("SIGTERM", "TERM", "SIGRTMIN+3") or number 1-64, as STOPSIGNAL takes it.
bool ValidSignal(std::string_view s) {
  if (s.empty()) return false;
  if (std::isdigit(static_cast<unsigned char>(s.front()))) {
    int n = 0;
    for (char ch : s) {
      if (!std::isdigit(static_cast<unsigned char>(ch)) || n > 64) return false;
      n = n * 10 + (ch - '0');
    }
    return n >= 1 && n <= 64;
  }
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isupper(static_cast<unsigned char>(ch)) ||
           std::isdigit(static_cast<unsigned char>(ch)) || ch == '+' || ch == '-';
  });
}

// The one word USER, WORKDIR and STOPSIGNAL take, quotes removed.
Result<std::string> OneWord(std::string_view change, std::string_view value) {
  auto words = Lex(value, false);
  if (!words) return Invalid(change, "unterminated quote");
  if (words->empty() || words->front().empty()) return Invalid(change, "missing value");
  return words->front();
}

Result<void> Apply(std::string_view change, const std::string& op, std::string_view value,
                   ContainerConfig& c) {
  if (op == "CMD") {
    BERTH_ASSIGN_OR_RETURN(c.cmd, Command(change, value, c));
  } else if (op == "ENTRYPOINT") {
    BERTH_ASSIGN_OR_RETURN(c.entrypoint, Command(change, value, c));
  } else if (op == "ENV" || op == "LABEL") {
    BERTH_ASSIGN_OR_RETURN(auto pairs, Pairs(change, value));
    for (auto& [k, v] : pairs) {
      if (op == "ENV")
        SetEnv(c.env, k, v);
      else
        c.labels[k] = v;
    }
  } else if (op == "EXPOSE") {
    BERTH_TRY(Expose(change, value, c));
  } else if (op == "VOLUME") {
    BERTH_TRY(Volume(change, value, c));
  } else if (op == "WORKDIR") {
    BERTH_ASSIGN_OR_RETURN(std::string dir, OneWord(change, value));
    c.working_dir = Workdir(c.working_dir, dir);
  } else if (op == "USER") {
    BERTH_ASSIGN_OR_RETURN(c.user, OneWord(change, value));
  } else if (op == "STOPSIGNAL") {
    BERTH_ASSIGN_OR_RETURN(std::string sig, OneWord(change, value));
    std::string upper = sig;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char ch) { return std::toupper(ch); });
    if (!ValidSignal(upper)) return Invalid(change, "invalid signal " + Quote(sig));
    c.stop_signal = sig;
  } else if (op == "ONBUILD") {
    c.on_build.emplace_back(value);
  } else {
    return Invalid(change, "unsupported instruction " + Quote(op) +
                               " (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, "
                               "USER, VOLUME or WORKDIR)");
  }
  return Ok();
}

bool KnownInstruction(const std::string& op) {
  static const char* const kOps[] = {"CMD",     "ENTRYPOINT", "ENV",  "EXPOSE", "LABEL",
                                     "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};
  return std::any_of(std::begin(kOps), std::end(kOps), [&](const char* k) { return op == k; });
}

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return std::toupper(ch); });
  return out;
}

}  // namespace

Result<void> ApplyConfigChange(std::string_view change, ContainerConfig& config) {
  std::string_view text = Trim(change);
  size_t ws = 0;
  while (ws < text.size() && !IsSpace(text[ws])) ++ws;
  // "CMD=/bin/sh": podman's alternative separator, when the word before '=' is an instruction.
  size_t eq = text.substr(0, ws).find('=');
  size_t op_end = ws;
  size_t value_start = ws;
  if (eq != std::string_view::npos && KnownInstruction(Upper(text.substr(0, eq)))) {
    op_end = eq;
    value_start = eq + 1;
  }
  std::string op = Upper(text.substr(0, op_end));
  std::string_view value = Trim(text.substr(value_start));
  if (op.empty()) return Invalid(change, "empty change");
  if (value.empty() && KnownInstruction(op)) return Invalid(change, "missing value");
  ContainerConfig updated = config;
  BERTH_TRY(Apply(change, op, value, updated));
  config = std::move(updated);
  return Ok();
}

Result<void> ApplyConfigChanges(const std::vector<std::string>& changes, ContainerConfig& config) {
  ContainerConfig updated = config;
  for (const std::string& ch : changes) BERTH_TRY(ApplyConfigChange(ch, updated));
  config = std::move(updated);
  return Ok();
}

}  // namespace berth::runner
