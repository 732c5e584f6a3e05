#include "oci_json_fields.hpp"

#include <limits>

#include "berth/base/strings.hpp"

namespace berth::store::oci_json {

namespace {

// nlohmann prefixes its messages with "[json.exception.parse_error.101] "; the user needs
// only the part after it.
std::string StripExceptionId(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    size_t close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return std::string(what);
}

// nlohmann parses and destroys iteratively, but dump() and copies recurse once per level, so
// a hostile document (a config's Healthcheck is dumped) could overflow the stack. Real
// manifests and configs nest fewer than ten levels.
constexpr int kMaxNesting = 256;

bool NestingWithinLimit(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace

Result<Json> ParseJsonObject(std::string_view text) {
  if (!NestingWithinLimit(text)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid JSON: nested deeper than " + std::to_string(kMaxNesting) + " levels");
  }
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid JSON: " + StripExceptionId(e.what()));
  }
  if (!j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("expected a JSON object, got ") + j.type_name());
  }
  return j;
}

Error ExceptionError(std::string_view what, const Json::exception& e) {
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(what) + ": " + StripExceptionId(e.what()));
}

std::string FieldPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string ElementPath(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

Error FieldError(std::string_view path, std::string_view problem) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "field " + Quote(path) + ": " + std::string(problem));
}

Error TypeError(std::string_view path, std::string_view what, const Json& got) {
  return FieldError(path, "expected " + std::string(what) + ", got " + got.type_name());
}

std::string DumpCanonical(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json* ObjectReader::Find(std::string_view key) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> ObjectReader::String(std::string_view key) const {
  const Json* v = Find(key);
  if (!v) return std::string();
  if (!v->is_string()) return TypeError(PathOf(key), "string", *v);
  return v->get_ref<const std::string&>();
}

Error ObjectReader::Missing(std::string_view key, std::string_view what) const {
  auto it = obj_.find(key);
  if (it != obj_.end()) return TypeError(PathOf(key), what, *it);
  return FieldError(PathOf(key), "missing");
}

Result<std::string> ObjectReader::RequiredString(std::string_view key) const {
  if (!Has(key)) return Missing(key, "string");
  return String(key);
}

Result<std::optional<int64_t>> ObjectReader::Int(std::string_view key) const {
  const Json* v = Find(key);
  if (!v) return std::optional<int64_t>();
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return FieldError(PathOf(key), "integer out of range");
    }
    return std::optional<int64_t>(static_cast<int64_t>(u));
  }
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  return TypeError(PathOf(key), "integer", *v);
}

Result<int64_t> ObjectReader::RequiredSize(std::string_view key) const {
  BERTH_ASSIGN_OR_RETURN(std::optional<int64_t> v, Int(key));
  if (!v) return Missing(key, "integer");
  if (*v < 0) return FieldError(PathOf(key), "expected a non-negative integer");
  return *v;
}

Result<bool> ObjectReader::Bool(std::string_view key) const {
  const Json* v = Find(key);
  if (!v) return false;
  if (!v->is_boolean()) return TypeError(PathOf(key), "boolean", *v);
  return v->get<bool>();
}

Result<std::vector<std::string>> StringsAt(const Json& array, std::string_view path) {
  if (!array.is_array()) return TypeError(path, "array of strings", array);
  std::vector<std::string> out;
  out.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const Json& e = array[i];
    if (!e.is_string()) return TypeError(ElementPath(path, i), "string", e);
    out.push_back(e.get_ref<const std::string&>());
  }
  return out;
}

Result<std::vector<std::string>> ObjectReader::Strings(std::string_view key) const {
  const Json* v = Find(key);
  if (!v) return std::vector<std::string>();
  return StringsAt(*v, PathOf(key));
}

Result<std::optional<std::vector<std::string>>> ObjectReader::OptionalStrings(
    std::string_view key) const {
  const Json* v = Find(key);
  if (!v) return std::optional<std::vector<std::string>>();
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> list, StringsAt(*v, PathOf(key)));
  return std::optional<std::vector<std::string>>(std::move(list));
}

Result<std::map<std::string, std::string>> ObjectReader::StringMap(std::string_view key) const {
  BERTH_ASSIGN_OR_RETURN(const Json* v, Object(key));
  std::map<std::string, std::string> out;
  if (!v) return out;
  for (const auto& [k, value] : v->items()) {
    if (!value.is_string()) return TypeError(FieldPath(PathOf(key), k), "string", value);
    out.emplace(k, value.get_ref<const std::string&>());
  }
  return out;
}

Result<std::vector<std::string>> ObjectReader::ObjectKeys(std::string_view key) const {
  BERTH_ASSIGN_OR_RETURN(const Json* v, Object(key));
  std::vector<std::string> out;
  if (!v) return out;
  // Json objects are std::maps, so items() is already in key order.
  for (const auto& [k, value] : v->items()) out.push_back(k);
  return out;
}

Result<const Json*> ObjectReader::Object(std::string_view key) const {
  const Json* v = Find(key);
  if (v && !v->is_object()) return TypeError(PathOf(key), "object", *v);
  return v;
}

Result<const Json*> ObjectReader::Array(std::string_view key) const {
  const Json* v = Find(key);
  if (v && !v->is_array()) return TypeError(PathOf(key), "array", *v);
  return v;
}

Result<const Json*> ObjectReader::RequiredObject(std::string_view key) const {
  BERTH_ASSIGN_OR_RETURN(const Json* v, Object(key));
  if (!v) return Missing(key, "object");
  return v;
}

Result<const Json*> ObjectReader::RequiredArray(std::string_view key) const {
  BERTH_ASSIGN_OR_RETURN(const Json* v, Array(key));
  if (!v) return Missing(key, "array");
  return v;
}

}  // namespace berth::store::oci_json
