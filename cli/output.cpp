#include "output.hpp"

#include <cstdio>
#include <regex>

namespace berth::cli {

namespace {

std::string GoValue(const nlohmann::json& v) {
  if (v.is_null()) return "<no value>";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ' ';
      out += GoValue(v[i]);
    }
    return out + "]";
  }
  std::string out = "map[";
  bool first = true;
  for (const auto& [k, item] : v.items()) {
    if (!first) out += ' ';
    first = false;
    out += k + ":" + GoValue(item);
  }
  return out + "]";
}

const nlohmann::json* Lookup(const nlohmann::json& root, std::string_view path) {
  const nlohmann::json* cur = &root;
  if (path == "." || path.empty()) return cur;
  if (path.front() == '.') path.remove_prefix(1);
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return cur;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      out += s[i + 1] == 't' ? '\t' : '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The table header podman derives from a field: ".CreatedSince" -> "CREATED SINCE"... podman
// uses fixed names for known fields; we upper-case and split CamelCase.
std::string HeaderFor(std::string_view field) {
  if (field == "ID" || field == "Id") return "IMAGE ID";
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (i && std::isupper(static_cast<unsigned char>(c)) &&
        std::islower(static_cast<unsigned char>(field[i - 1]))) {
      out += ' ';
    }
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

void PrintTable(const std::vector<Column>& columns, const std::vector<nlohmann::json>& rows) {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> width(columns.size(), 0);
  cells.emplace_back();
  for (size_t c = 0; c < columns.size(); ++c) {
    cells.back().push_back(columns[c].header);
    width[c] = columns[c].header.size();
  }
  for (const auto& row : rows) {
    cells.emplace_back();
    for (size_t c = 0; c < columns.size(); ++c) {
      const nlohmann::json* v = Lookup(row, columns[c].field);
      std::string s = v ? GoValue(*v) : "";
      width[c] = std::max(width[c], s.size());
      cells.back().push_back(std::move(s));
    }
  }
  for (const auto& line : cells) {
    std::string out;
    for (size_t c = 0; c < line.size(); ++c) {
      out += line[c];
      size_t column = std::max(width[c] + 2, columns[c].min_width);
      if (c + 1 < line.size()) out += std::string(column - line[c].size(), ' ');
    }
    std::printf("%s\n", out.c_str());
  }
}

}  // namespace

std::string RenderTemplate(std::string_view tmpl, const nlohmann::json& value) {
  static const std::regex kAction(R"(\{\{\s*(json\s+)?(\.[A-Za-z0-9_.]*)\s*\}\})");
  std::string text = Unescape(tmpl);
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), kAction);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += text.substr(last, static_cast<size_t>(m.position()) - last);
    const nlohmann::json* v = Lookup(value, m[2].str());
    if (m[1].matched)
      out += v ? v->dump() : "null";
    else
      out += v ? GoValue(*v) : "<no value>";
    last = static_cast<size_t>(m.position() + m.length());
  }
  out += text.substr(last);
  return out;
}

void PrintJson(const nlohmann::json& value) {
  std::printf("%s\n", value.dump(4, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

void PrintJson(const nlohmann::ordered_json& value, int indent) {
  std::printf(
      "%s\n",
      value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
}

void PrintRows(std::string_view format, const std::vector<Column>& columns,
               const std::vector<nlohmann::json>& rows) {
  if (format.empty()) return PrintTable(columns, rows);
  if (format == "json") return PrintJson(nlohmann::json(rows));
  if (format.starts_with("table")) {
    std::string tmpl(format.substr(5));
    while (!tmpl.empty() && tmpl.front() == ' ') tmpl.erase(0, 1);
    if (tmpl.empty()) return PrintTable(columns, rows);
    static const std::regex kField(R"(\{\{\s*\.([A-Za-z0-9_]+)\s*\}\})");
    std::vector<Column> cols;
    for (auto it = std::sregex_iterator(tmpl.begin(), tmpl.end(), kField);
         it != std::sregex_iterator(); ++it) {
      std::string f = (*it)[1].str();
      Column col{HeaderFor(f), f};
      for (const auto& c : columns) {
        if (c.field == f) col = c;
      }
      cols.push_back(std::move(col));
    }
    return PrintTable(cols, rows);
  }
  for (const auto& row : rows) std::printf("%s\n", RenderTemplate(format, row).c_str());
}

}  // namespace berth::cli
