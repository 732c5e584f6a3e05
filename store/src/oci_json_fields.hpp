// Typed, non-throwing reads of fields from an nlohmann::json object, for the OCI parsers.
//
// Every failure is kInvalidArgument naming the field by its full path from the document
// root ("layers[2].digest"), so a user can find the bad spot in a registry's answer. A key
// that is absent and a key whose value is null read the same: as the field's empty value.
// Docker writes null for empty lists and maps ("Env": null), so this is what real images
// need. The accessors check the type before reading, so nothing here throws; only
// `ParseJsonObject` calls into the throwing parser, and it catches. Private to berth_store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/result.hpp"

namespace berth::store::oci_json {

// std::map-backed, so dump() writes keys sorted: the canonical form.
using Json = nlohmann::json;

// Parses `text` as JSON whose top level must be an object. kInvalidArgument on a syntax
// error ("invalid JSON at byte 17: ...") or another top-level type.
Result<Json> ParseJsonObject(std::string_view text);

// "parent.key" (or "key" at the root) and "parent[i]".
std::string FieldPath(std::string_view parent, std::string_view key);
std::string ElementPath(std::string_view parent, size_t index);

// kInvalidArgument "field '<path>': <problem>".
Error FieldError(std::string_view path, std::string_view problem);
// "expected <what>, got <JSON type>".
Error TypeError(std::string_view path, std::string_view what, const Json& got);

// kInvalidArgument "<what>: <exception message without nlohmann's id prefix>".
Error ExceptionError(std::string_view what, const Json::exception& e);

// Runs `parse` (a callable returning Result<T>) so that nothing thrown escapes the parser:
// its error gets "<what>: " prepended, and an nlohmann exception (a bug in our checks, as
// the readers test types first) becomes kInvalidArgument instead of unwinding.
template <typename T, typename F>
Result<T> GuardedParse(std::string_view what, F&& parse) {
  try {
    Result<T> r = parse();
    if (!r) return std::move(r).error().Context(what);
    return r;
  } catch (const Json::exception& e) {
    return ExceptionError(what, e);
  }
}

// Dumps `j` canonically: compact, keys sorted, invalid UTF-8 replaced rather than thrown on.
std::string DumpCanonical(const Json& j);

// Reads typed fields of one JSON object. Holds a reference: `obj` must outlive the reader.
class ObjectReader {
 public:
  // `obj` must be an object; `path` is its own path ("" for the document root).
  ObjectReader(const Json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return FieldPath(path_, key); }
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // The value, or nullptr when the key is absent or null.
  const Json* Find(std::string_view key) const;

  // Absent or null read as "" / 0 / false / empty; a present value of another type fails.
  Result<std::string> String(std::string_view key) const;
  Result<std::string> RequiredString(std::string_view key) const;
  Result<std::optional<int64_t>> Int(std::string_view key) const;
  Result<int64_t> RequiredSize(std::string_view key) const;  // a non-negative integer
  Result<bool> Bool(std::string_view key) const;
  Result<std::vector<std::string>> Strings(std::string_view key) const;
  // nullopt when absent or null; an empty vector for [].
  Result<std::optional<std::vector<std::string>>> OptionalStrings(std::string_view key) const;
  Result<std::map<std::string, std::string>> StringMap(std::string_view key) const;
  // The keys of an object-valued field ({"80/tcp": {}}), sorted; the values are ignored.
  Result<std::vector<std::string>> ObjectKeys(std::string_view key) const;
  // nullptr when absent or null; fails when present with another type.
  Result<const Json*> Object(std::string_view key) const;
  Result<const Json*> Array(std::string_view key) const;
  // Like Object/Array but absent or null is a "missing" error.
  Result<const Json*> RequiredObject(std::string_view key) const;
  Result<const Json*> RequiredArray(std::string_view key) const;

 private:
  // "missing" when the key is absent, "expected <what>, got null" when it is null.
  Error Missing(std::string_view key, std::string_view what) const;

  const Json& obj_;
  std::string path_;
};

// Elements of a string array at `path`.
Result<std::vector<std::string>> StringsAt(const Json& array, std::string_view path);

}  // namespace berth::store::oci_json
