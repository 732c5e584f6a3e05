// Image configs (OCI image config and Docker container image v1): parsing and canonical JSON.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/strings.hpp"
#include "berth/store/digest.hpp"
#include "berth/store/oci.hpp"
#include "oci_descriptor.hpp"
#include "oci_json_fields.hpp"

namespace berth::store {

using oci_json::Json;
using oci_json::ObjectReader;

namespace {

using StringList = std::optional<std::vector<std::string>>;

// Docker's strslice type, used for Entrypoint, Cmd and Shell, also accepts a bare string as
// a one-element list, and old Docker-built images contain that form.
Result<StringList> ParseCommand(const ObjectReader& r, std::string_view key) {
  const Json* v = r.Find(key);
  if (v && v->is_string()) return StringList(std::vector{v->get<std::string>()});
  return r.OptionalStrings(key);
}

Result<ContainerConfig> ParseContainerConfig(const Json& j, const std::string& path) {
  ObjectReader r(j, path);
  ContainerConfig c;
  BERTH_ASSIGN_OR_RETURN(c.user, r.String("User"));
  BERTH_ASSIGN_OR_RETURN(c.exposed_ports, r.ObjectKeys("ExposedPorts"));
  BERTH_ASSIGN_OR_RETURN(c.env, r.Strings("Env"));
  BERTH_ASSIGN_OR_RETURN(c.entrypoint, ParseCommand(r, "Entrypoint"));
  BERTH_ASSIGN_OR_RETURN(c.cmd, ParseCommand(r, "Cmd"));
  BERTH_ASSIGN_OR_RETURN(c.volumes, r.ObjectKeys("Volumes"));
  BERTH_ASSIGN_OR_RETURN(c.working_dir, r.String("WorkingDir"));
  BERTH_ASSIGN_OR_RETURN(c.labels, r.StringMap("Labels"));
  BERTH_ASSIGN_OR_RETURN(c.stop_signal, r.String("StopSignal"));
  BERTH_ASSIGN_OR_RETURN(c.shell, ParseCommand(r, "Shell"));
  BERTH_ASSIGN_OR_RETURN(c.on_build, r.Strings("OnBuild"));
  BERTH_ASSIGN_OR_RETURN(const Json* healthcheck, r.Object("Healthcheck"));
  if (healthcheck) c.healthcheck_json = oci_json::DumpCanonical(*healthcheck);
  return c;
}

Result<std::vector<DiffId>> ParseRootfs(const ObjectReader& top) {
  BERTH_ASSIGN_OR_RETURN(const Json* rootfs, top.RequiredObject("rootfs"));
  ObjectReader r(*rootfs, "rootfs");
  BERTH_ASSIGN_OR_RETURN(std::string type, r.RequiredString("type"));
  if (type != "layers") {
    return oci_json::FieldError(r.PathOf("type"), "expected 'layers', got " + Quote(type));
  }
  // Docker omits diff_ids for an image without layers (omitempty), so absent means none.
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> texts, r.Strings("diff_ids"));
  std::vector<DiffId> out;
  out.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto id = DiffId::Parse(texts[i]);
    if (!id) {
      return id.error().Context("field " + Quote(oci_json::ElementPath(r.PathOf("diff_ids"), i)));
    }
    out.push_back(*std::move(id));
  }
  return out;
}

Result<std::vector<HistoryEntry>> ParseHistory(const ObjectReader& top) {
  BERTH_ASSIGN_OR_RETURN(const Json* history, top.Array("history"));
  std::vector<HistoryEntry> out;
  if (!history) return out;
  for (size_t i = 0; i < history->size(); ++i) {
    std::string path = oci_json::ElementPath("history", i);
    const Json& item = (*history)[i];
    if (!item.is_object()) return oci_json::TypeError(path, "object", item);
    ObjectReader r(item, path);
    HistoryEntry h;
    BERTH_ASSIGN_OR_RETURN(h.created, r.String("created"));
    BERTH_ASSIGN_OR_RETURN(h.created_by, r.String("created_by"));
    BERTH_ASSIGN_OR_RETURN(h.author, r.String("author"));
    BERTH_ASSIGN_OR_RETURN(h.comment, r.String("comment"));
    BERTH_ASSIGN_OR_RETURN(h.empty_layer, r.Bool("empty_layer"));
    out.push_back(std::move(h));
  }
  return out;
}

Result<ImageConfig> ParseImageConfigText(std::string_view text) {
  BERTH_ASSIGN_OR_RETURN(Json j, oci_json::ParseJsonObject(text));
  ObjectReader r(j, "");
  ImageConfig c;
  BERTH_ASSIGN_OR_RETURN(c.created, r.String("created"));
  BERTH_ASSIGN_OR_RETURN(c.author, r.String("author"));
  BERTH_ASSIGN_OR_RETURN(c.architecture, r.String("architecture"));
  BERTH_ASSIGN_OR_RETURN(c.os, r.String("os"));
  BERTH_ASSIGN_OR_RETURN(c.variant, r.String("variant"));
  BERTH_ASSIGN_OR_RETURN(c.os_version, r.String("os.version"));
  BERTH_ASSIGN_OR_RETURN(const Json* config, r.Object("config"));
  if (config) {
    BERTH_ASSIGN_OR_RETURN(c.config, ParseContainerConfig(*config, "config"));
  }
  BERTH_ASSIGN_OR_RETURN(c.diff_ids, ParseRootfs(r));
  BERTH_ASSIGN_OR_RETURN(c.history, ParseHistory(r));
  return c;
}

// {"80/tcp": {}, "443/tcp": {}}: the form Docker and OCI use for sets.
Json KeySet(const std::vector<std::string>& keys) {
  Json out = Json::object();
  for (const std::string& k : keys) out[k] = Json::object();
  return out;
}

Json ContainerConfigToJson(const ContainerConfig& c) {
  Json out = Json::object();
  if (!c.user.empty()) out["User"] = c.user;
  if (!c.exposed_ports.empty()) out["ExposedPorts"] = KeySet(c.exposed_ports);
  if (!c.env.empty()) out["Env"] = c.env;
  // Present-but-empty differs from absent: "Entrypoint": [] resets an inherited entrypoint.
  if (c.entrypoint) out["Entrypoint"] = *c.entrypoint;
  if (c.cmd) out["Cmd"] = *c.cmd;
  if (!c.volumes.empty()) out["Volumes"] = KeySet(c.volumes);
  if (!c.working_dir.empty()) out["WorkingDir"] = c.working_dir;
  oci_json::PutStringMap(out, "Labels", c.labels);
  if (!c.stop_signal.empty()) out["StopSignal"] = c.stop_signal;
  if (c.shell) out["Shell"] = *c.shell;
  if (!c.on_build.empty()) out["OnBuild"] = c.on_build;
  if (!c.healthcheck_json.empty()) {
    // Only ParseImageConfig and the builder fill this, both with an object; anything else
    // is dropped rather than written as invalid JSON.
    Json hc = Json::parse(c.healthcheck_json, nullptr, /*allow_exceptions=*/false);
    if (hc.is_object()) out["Healthcheck"] = std::move(hc);
  }
  return out;
}

Json HistoryToJson(const HistoryEntry& h) {
  Json out = Json::object();
  if (!h.created.empty()) out["created"] = h.created;
  if (!h.created_by.empty()) out["created_by"] = h.created_by;
  if (!h.author.empty()) out["author"] = h.author;
  if (!h.comment.empty()) out["comment"] = h.comment;
  if (h.empty_layer) out["empty_layer"] = true;
  return out;
}

}  // namespace

Result<ImageConfig> ParseImageConfig(std::string_view json) {
  return oci_json::GuardedParse<ImageConfig>("parse image config",
                                             [&] { return ParseImageConfigText(json); });
}

std::string ToJson(const ImageConfig& c) {
  Json out = Json::object();
  if (!c.created.empty()) out["created"] = c.created;
  if (!c.author.empty()) out["author"] = c.author;
  // architecture and os are required by image-spec, so they are written even when empty.
  out["architecture"] = c.architecture;
  out["os"] = c.os;
  if (!c.variant.empty()) out["variant"] = c.variant;
  if (!c.os_version.empty()) out["os.version"] = c.os_version;
  out["config"] = ContainerConfigToJson(c.config);
  Json diff_ids = Json::array();
  for (const DiffId& id : c.diff_ids) diff_ids.push_back(id.String());
  out["rootfs"] = {{"type", "layers"}, {"diff_ids", std::move(diff_ids)}};
  if (!c.history.empty()) {
    Json history = Json::array();
    for (const HistoryEntry& h : c.history) history.push_back(HistoryToJson(h));
    out["history"] = std::move(history);
  }
  return oci_json::DumpCanonical(out);
}

}  // namespace berth::store
