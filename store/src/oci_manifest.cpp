// Image manifests and indexes (OCI and Docker schema2 / manifest list): parsing and
// canonical JSON.

#include <optional>
#include <string>
#include <string_view>

#include "berth/base/strings.hpp"
#include "berth/store/oci.hpp"
#include "oci_descriptor.hpp"
#include "oci_json_fields.hpp"

namespace berth::store {

using oci_json::Json;
using oci_json::ObjectReader;

namespace {

enum class DocKind { kManifest, kIndex };

Error Schema1Error() {
  return MakeError(ErrorCode::kUnsupported, "docker schema1 manifests are not supported",
                   "schema1 was deprecated in 2017; push the image again with a current "
                   "docker, podman or skopeo to get a schema2 or OCI manifest");
}

// Checks schemaVersion and mediaType, which decide whether this is a document of `kind` at
// all, before anything else is read. Returns the declared mediaType ("" when absent).
Result<std::string> CheckDocumentType(const ObjectReader& r, DocKind kind) {
  BERTH_ASSIGN_OR_RETURN(std::string media_type, r.String("mediaType"));
  if (media_type == media::kDockerSchema1 || media_type == media::kDockerSchema1Signed) {
    return Schema1Error();
  }
  BERTH_ASSIGN_OR_RETURN(std::optional<int64_t> version, r.Int("schemaVersion"));
  if (!version) return oci_json::FieldError("schemaVersion", "missing");
  if (*version == 1) return Schema1Error();
  if (*version != 2) {
    return oci_json::FieldError("schemaVersion", "expected 2, got " + std::to_string(*version));
  }
  if (media_type.empty()) return media_type;
  bool is_manifest = media::IsManifest(media_type);
  bool is_index = media::IsIndex(media_type);
  if (kind == DocKind::kManifest && is_index) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "media type " + Quote(media_type) + " is an index, not a manifest");
  }
  if (kind == DocKind::kIndex && is_manifest) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "media type " + Quote(media_type) + " is a manifest, not an index");
  }
  if ((kind == DocKind::kManifest && !is_manifest) || (kind == DocKind::kIndex && !is_index)) {
    return oci_json::FieldError(
        "mediaType", Quote(media_type) + " is not " +
                         (kind == DocKind::kManifest ? "a manifest" : "an index") + " media type");
  }
  return media_type;
}

// Parses every element of the array field `key` as a descriptor.
Result<std::vector<Descriptor>> ParseDescriptors(const ObjectReader& r, std::string_view key) {
  BERTH_ASSIGN_OR_RETURN(const Json* array, r.RequiredArray(key));
  std::vector<Descriptor> out;
  out.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    BERTH_ASSIGN_OR_RETURN(Descriptor d, oci_json::ParseDescriptor(
                                             (*array)[i], oci_json::ElementPath(r.PathOf(key), i)));
    out.push_back(std::move(d));
  }
  return out;
}

Result<Manifest> ParseManifestText(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(Json j, oci_json::ParseJsonObject(text));
  ObjectReader r(j, "");
  Manifest m;
  BERTH_ASSIGN_OR_RETURN(m.media_type, CheckDocumentType(r, DocKind::kManifest));
  BERTH_ASSIGN_OR_RETURN(m.artifact_type, r.String("artifactType"));
  BERTH_ASSIGN_OR_RETURN(const Json* config, r.RequiredObject("config"));
  BERTH_ASSIGN_OR_RETURN(m.config, oci_json::ParseDescriptor(*config, "config"));
  BERTH_ASSIGN_OR_RETURN(m.layers, ParseDescriptors(r, "layers"));
  BERTH_ASSIGN_OR_RETURN(const Json* subject, r.Object("subject"));
  if (subject) {
    BERTH_ASSIGN_OR_RETURN(m.subject, oci_json::ParseDescriptor(*subject, "subject"));
  }
  BERTH_ASSIGN_OR_RETURN(m.annotations, r.StringMap("annotations"));
  return m;
}

Result<Index> ParseIndexText(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(Json j, oci_json::ParseJsonObject(text));
  ObjectReader r(j, "");
  Index index;
  BERTH_ASSIGN_OR_RETURN(index.media_type, CheckDocumentType(r, DocKind::kIndex));
  BERTH_ASSIGN_OR_RETURN(index.manifests, ParseDescriptors(r, "manifests"));
  BERTH_ASSIGN_OR_RETURN(index.annotations, r.StringMap("annotations"));
  return index;
}

Json DescriptorsToJson(const std::vector<Descriptor>& list) {
  Json out = Json::array();
  for (const Descriptor& d : list) out.push_back(oci_json::DescriptorToJson(d));
  return out;
}

}  // namespace

Result<Manifest> ParseManifest(std::string_view json) {
  return oci_json::GuardedParse<Manifest>("parse manifest",
                                          [&] { return ParseManifestText(json); });
}

Result<Index> ParseIndex(std::string_view json) {
  return oci_json::GuardedParse<Index>("parse index", [&] { return ParseIndexText(json); });
}

std::string ToJson(const Manifest& m) {
  Json out = Json::object();
  out["schemaVersion"] = m.schema_version;
  if (!m.media_type.empty()) out["mediaType"] = m.media_type;
  if (!m.artifact_type.empty()) out["artifactType"] = m.artifact_type;
  out["config"] = oci_json::DescriptorToJson(m.config);
  out["layers"] = DescriptorsToJson(m.layers);
  if (m.subject) out["subject"] = oci_json::DescriptorToJson(*m.subject);
  oci_json::PutStringMap(out, "annotations", m.annotations);
  return oci_json::DumpCanonical(out);
}

std::string ToJson(const Index& i) {
  Json out = Json::object();
  out["schemaVersion"] = i.schema_version;
  if (!i.media_type.empty()) out["mediaType"] = i.media_type;
  out["manifests"] = DescriptorsToJson(i.manifests);
  oci_json::PutStringMap(out, "annotations", i.annotations);
  return oci_json::DumpCanonical(out);
}

}  // namespace berth::store
