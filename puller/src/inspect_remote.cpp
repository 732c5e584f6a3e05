// InspectRemote: manifest(s), config and tags of a remote image, without the store.
#include "berth/puller/pull.hpp"
#include "endpoints.hpp"
#include "registry_errors.hpp"
#include "resolve.hpp"

namespace berth::puller {

namespace {

// Reads a small blob (a config) into memory, verified against its descriptor.
class StringSink : public ResumableSink {
 public:
  Result<void> Write(std::span<const std::byte> data) override {
    if (data_.size() + data.size() > kMaxManifestBytes) {
      return MakeError(ErrorCode::kInvalidArgument, "config exceeds 4 MiB");
    }
    data_.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Ok();
  }
  Result<void> Restart() override {
    data_.clear();
    return Ok();
  }
  std::string& data() { return data_; }

 private:
  std::string data_;
};

Result<RemoteImage> InspectWith(RegistryClient& client, const store::Reference& ref,
                                const InspectOptions& o) {
  RemoteImage out;
  out.name = ref.Name();
  if (o.manifest_only) {
    std::string target = ref.digest ? ref.digest->String() : ref.tag;
    BERTH_ASSIGN_OR_RETURN(out.top, client.GetManifest(ref.repository, target));
    return out;
  }
  BERTH_ASSIGN_OR_RETURN(Resolved r, ResolveImage(client, ref, o.platform));
  out.top = std::move(r.top);
  out.manifest = std::move(r.manifest);
  out.parsed = r.parsed;
  StringSink sink;
  BERTH_TRY(client.GetBlob(ref.repository, r.parsed.config.digest, sink));
  if (store::Digest::Of(sink.data()) != r.parsed.config.digest) {
    return MakeError(ErrorCode::kDigestMismatch,
                     "config " + r.parsed.config.digest.String() + ": digest mismatch: got " +
                         store::Digest::Of(sink.data()).String());
  }
  out.config_json = std::move(sink.data());
  auto cfg = store::ParseImageConfig(out.config_json);
  if (!cfg) return std::move(cfg).error().Context("parse config");
  out.config = std::move(*cfg);
  if (o.list_tags) {
    BERTH_ASSIGN_OR_RETURN(out.tags, client.ListTags(ref.repository));
  }
  return out;
}

}  // namespace

Result<RemoteImage> InspectRemote(const InspectOptions& options) {
  auto ref = store::Reference::Parse(options.reference);
  if (!ref) return std::move(ref).error().Context("inspect " + options.reference);
  std::string what = "inspect " + ref->String();
  auto clients = MakeClients(*ref, options.access, /*with_mirrors=*/true);
  if (!clients) return std::move(clients).error().Context(what);
  std::optional<Error> last;
  for (auto& c : *clients) {
    auto r = InspectWith(*c, *ref, options);
    if (r) return r;
    last = std::move(r).error();
  }
  return last->Context(what);
}

}  // namespace berth::puller
