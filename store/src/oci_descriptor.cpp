// Descriptors and platforms: the pieces shared by manifests and indexes.

#include "oci_descriptor.hpp"

#include "berth/base/strings.hpp"
#include "berth/store/digest.hpp"

namespace berth::store {

std::string Platform::String() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

std::string ToJson(const Descriptor& d) {
  return oci_json::DumpCanonical(oci_json::DescriptorToJson(d));
}

namespace oci_json {

Result<Platform> ParsePlatform(const Json& j, const std::string& path) {
  if (!j.is_object()) return TypeError(path, "object", j);
  ObjectReader r(j, path);
  Platform p;
  // image-spec marks os and architecture REQUIRED, but one odd entry must not make a whole
  // index unreadable: an entry without them simply never matches a platform.
  BERTH_ASSIGN_OR_RETURN(p.os, r.String("os"));
  BERTH_ASSIGN_OR_RETURN(p.architecture, r.String("architecture"));
  BERTH_ASSIGN_OR_RETURN(p.variant, r.String("variant"));
  BERTH_ASSIGN_OR_RETURN(p.os_version, r.String("os.version"));
  BERTH_ASSIGN_OR_RETURN(p.os_features, r.Strings("os.features"));
  return p;
}

Result<Descriptor> ParseDescriptor(const Json& j, const std::string& path) {
  if (!j.is_object()) return TypeError(path, "object", j);
  ObjectReader r(j, path);
  Descriptor d;
  BERTH_ASSIGN_OR_RETURN(d.media_type, r.RequiredString("mediaType"));
  BERTH_ASSIGN_OR_RETURN(std::string digest, r.RequiredString("digest"));
  auto parsed = Digest::Parse(digest);
  // Keeps Digest::Parse's code: another algorithm (sha512) is kUnsupported, not malformed.
  if (!parsed) return parsed.error().Context("field " + Quote(r.PathOf("digest")));
  d.digest = *std::move(parsed);
  BERTH_ASSIGN_OR_RETURN(d.size, r.RequiredSize("size"));
  BERTH_ASSIGN_OR_RETURN(d.urls, r.Strings("urls"));
  BERTH_ASSIGN_OR_RETURN(d.annotations, r.StringMap("annotations"));
  BERTH_ASSIGN_OR_RETURN(d.artifact_type, r.String("artifactType"));
  BERTH_ASSIGN_OR_RETURN(const Json* platform, r.Object("platform"));
  if (platform) {
    BERTH_ASSIGN_OR_RETURN(d.platform, ParsePlatform(*platform, r.PathOf("platform")));
  }
  return d;
}

void PutStringMap(Json& out, const char* key, const std::map<std::string, std::string>& m) {
  if (m.empty()) return;
  Json obj = Json::object();
  for (const auto& [k, v] : m) obj[k] = v;
  out[key] = std::move(obj);
}

Json PlatformToJson(const Platform& p) {
  // architecture and os are required by image-spec, so they are written even when empty.
  Json out = {{"architecture", p.architecture}, {"os", p.os}};
  if (!p.variant.empty()) out["variant"] = p.variant;
  if (!p.os_version.empty()) out["os.version"] = p.os_version;
  if (!p.os_features.empty()) out["os.features"] = p.os_features;
  return out;
}

Json DescriptorToJson(const Descriptor& d) {
  Json out = {{"mediaType", d.media_type}, {"digest", d.digest.String()}, {"size", d.size}};
  if (!d.urls.empty()) out["urls"] = d.urls;
  PutStringMap(out, "annotations", d.annotations);
  if (d.platform) out["platform"] = PlatformToJson(*d.platform);
  if (!d.artifact_type.empty()) out["artifactType"] = d.artifact_type;
  return out;
}

}  // namespace oci_json
}  // namespace berth::store
