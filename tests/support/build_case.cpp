#include "support/build_case.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "berth/base/subprocess.hpp"
#include "support/berth_cli.hpp"

namespace berth::testing {

namespace fs = std::filesystem;

namespace {

// The first word of `line` and the rest with blanks around it trimmed.
std::pair<std::string, std::string> SplitWord(const std::string& line) {
  size_t end = line.find_first_of(" \t");
  if (end == std::string::npos) return {line, ""};
  size_t rest = line.find_first_not_of(" \t", end);
  std::string tail = rest == std::string::npos ? "" : line.substr(rest);
  while (!tail.empty() && (tail.back() == ' ' || tail.back() == '\t')) tail.pop_back();
  return {line.substr(0, end), tail};
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string At(int line, const std::string& why) {
  return "expect:" + std::to_string(line) + ": " + why;
}

// Parses JSON, or returns nullopt (nlohmann throws; contained here).
std::optional<nlohmann::json> ParseJson(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// One directive line. Returns "" or the error.
std::string ParseDirective(const std::string& word, const std::string& rest, int line,
                           BuildCase* c) {
  if (word == "build") {
    auto w = Words(rest);
    if (w.empty()) return At(line, "build needs arguments");
    c->build_args.insert(c->build_args.end(), w.begin(), w.end());
  } else if (word == "prebuild") {
    auto w = Words(rest);
    if (w.size() != 2) return At(line, "prebuild needs NAME FILE");
    c->prebuilds.push_back({w[0], w[1]});
  } else if (word == "sh") {
    if (rest.empty()) return At(line, "sh needs a script");
    c->runs.push_back({RunCheck::Kind::kSh, {"/bin/sh", "-c", rest}, {}, line});
  } else if (word == "exec") {
    auto j = ParseJson(rest);
    if (!j || !j->is_array() || j->empty()) return At(line, "exec needs a JSON array of strings");
    RunCheck r{RunCheck::Kind::kExec, {}, {}, line};
    for (const auto& a : *j) {
      if (!a.is_string()) return At(line, "exec needs a JSON array of strings");
      r.argv.push_back(a.get<std::string>());
    }
    c->runs.push_back(std::move(r));
  } else if (word == "default") {
    if (!rest.empty()) return At(line, "default takes no arguments");
    c->runs.push_back({RunCheck::Kind::kDefault, {}, {}, line});
  } else if (word == "config" || word == "image") {
    auto [field, value] = SplitWord(rest);
    auto j = ParseJson(value);
    if (field.empty() || !j) return At(line, word + " needs FIELD JSON");
    c->fields.push_back({word == "image", field, *j, line});
  } else if (word == "history-lacks") {
    if (rest.empty()) return At(line, "history-lacks needs text");
    c->history_lacks.push_back(rest);
  } else if (word == "layers") {
    try {
      c->layers = std::stoi(rest);
    } catch (const std::exception&) {
      return At(line, "layers needs a number");
    }
  } else if (word == "error") {
    if (rest.empty()) return At(line, "error needs a text fragment");
    c->errors.push_back(rest);
  } else if (word == "oracle") {
    auto [what, why] = SplitWord(rest);
    if (what != "none" || why.empty()) return At(line, "oracle takes: none REASON");
    c->oracle_skip = why;
  } else if (word == "differential") {
    c->differential = true;
  } else {
    return At(line, "unknown directive '" + word + "'");
  }
  return "";
}

}  // namespace

std::string ParseExpect(const std::string& text, BuildCase* out) {
  int line_no = 0;
  bool after_run = false;  // the previous line was sh/exec/default or a '|' line
  for (const std::string& raw : Lines(text)) {
    ++line_no;
    if (raw.rfind("|", 0) == 0) {
      if (!after_run) return At(line_no, "'|' line not right after sh/exec/default");
      if (raw.size() > 1 && raw[1] != ' ') return At(line_no, "'|' must be followed by a space");
      out->runs.back().want_lines.push_back(raw.size() > 2 ? raw.substr(2) : "");
      continue;
    }
    after_run = false;
    size_t start = raw.find_first_not_of(" \t");
    if (start == std::string::npos || raw[start] == '#') continue;
    auto [word, rest] = SplitWord(raw.substr(start));
    std::string err = ParseDirective(word, rest, line_no, out);
    if (!err.empty()) return err;
    after_run = word == "sh" || word == "exec" || word == "default";
  }
  if (out->ExpectsFailure() && (!out->runs.empty() || !out->fields.empty())) {
    return "expect: a case with 'error' cannot check the image";
  }
  if (!out->ExpectsFailure() && out->runs.empty() && out->fields.empty() && !out->layers) {
    return "expect: checks nothing";
  }
  return "";
}

void PrintTo(const BuildCase& c, std::ostream* os) { *os << c.name; }

fs::path BuildTestdataDir() { return fs::path(BERTH_SOURCE_DIR) / "testdata" / "build"; }

std::vector<BuildCase> LoadBuildCases(const fs::path& root) {
  std::vector<BuildCase> cases;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory()) continue;
    BuildCase c;
    c.name = entry.path().filename().string();
    c.dir = entry.path();
    if (!fs::exists(c.dir / "expect")) {
      c.parse_error = "no expect file";
    } else {
      c.parse_error = ParseExpect(ReadText(c.dir / "expect"), &c);
    }
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(),
            [](const BuildCase& a, const BuildCase& b) { return a.name < b.name; });
  return cases;
}

std::string TestNameOf(const BuildCase& c) {
  std::string out = c.name;
  for (char& ch : out) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return out;
}

std::string PrepareContext(const BuildCase& c, const fs::path& dest) {
  auto copied = RunCommand({"cp", "-a", "--", c.dir.string(), dest.string()});
  if (!copied || !copied->status.ok()) return "cp -a " + c.dir.string() + " failed";
  std::error_code ec;
  fs::remove(dest / "expect", ec);
  if (fs::exists(dest / "prepare.sh")) {
    auto ran = RunCommand({"/bin/sh", "-ec", "cd \"$1\" && sh ./prepare.sh", "prepare", dest});
    if (!ran || !ran->status.ok()) return c.name + "/prepare.sh failed";
    fs::remove(dest / "prepare.sh", ec);
  }
  return "";
}

std::vector<std::string> SubstituteContext(const std::vector<std::string>& args,
                                           const fs::path& context) {
  std::vector<std::string> out;
  for (std::string a : args) {
    for (size_t at; (at = a.find("{context}")) != std::string::npos;) {
      a.replace(at, 9, context.string());
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace berth::testing
