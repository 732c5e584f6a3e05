// JSON form of descriptors and platforms, shared by the manifest and index parsers.
// Private to berth_store; see oci_json_fields.hpp for the error conventions.
#pragma once

#include <map>
#include <string>

#include "berth/base/result.hpp"
#include "berth/store/oci.hpp"
#include "oci_json_fields.hpp"

namespace berth::store::oci_json {

// `j` is the value at `path` (for messages); it must be an object.
Result<Descriptor> ParseDescriptor(const Json& j, const std::string& path);
Result<Platform> ParsePlatform(const Json& j, const std::string& path);

Json DescriptorToJson(const Descriptor& d);
Json PlatformToJson(const Platform& p);

// Sets `out[key]` to the map unless it is empty, so empty maps are omitted from output.
void PutStringMap(Json& out, const char* key, const std::map<std::string, std::string>& m);

}  // namespace berth::store::oci_json
