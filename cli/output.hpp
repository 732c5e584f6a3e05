// Output shapes shared by the verbs: aligned tables, JSON, and podman-style `--format`
// templates (`{{.Repository}}:{{.Tag}}`, `{{json .Config}}`, `table {{.ID}}\t{{.Size}}`).
// Rows are JSON objects whose keys are the template field names.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace berth::cli {

struct Column {
  std::string header;
  std::string field;
  // The column's width with its 2 spaces of padding is at least this: podman's tables use 12
  // ("DRIVER      VOLUME NAME").
  size_t min_width = 0;
};

// Expands `{{.A.B}}`, `{{ .A }}`, `{{json .A}}` and `{{.}}` against `value`, plus the
// escapes \t and \n. Values print as Go's %v would: strings bare, lists as [a b].
std::string RenderTemplate(std::string_view tmpl, const nlohmann::json& value);

// Prints `rows` as podman does for a --format value: "" -> the default table of `columns`,
// "json" -> a JSON array, "table <tmpl>" -> a table with headers derived from the fields,
// anything else -> the template once per row.
void PrintRows(std::string_view format, const std::vector<Column>& columns,
               const std::vector<nlohmann::json>& rows);

// Prints JSON indented with 4 spaces, as podman's inspect does.
void PrintJson(const nlohmann::json& value);
// The same for JSON whose keys keep their insertion order (podman's field order); `indent`
// is 2 for ps, whose JSON podman indents so.
void PrintJson(const nlohmann::ordered_json& value, int indent = 4);

}  // namespace berth::cli
