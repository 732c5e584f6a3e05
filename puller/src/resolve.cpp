// Reference -> manifest resolution (see resolve.hpp).
#include "resolve.hpp"

#include "berth/puller/platform_select.hpp"

namespace berth::puller {

Result<Resolved> ResolveImage(RegistryClient& client, const store::Reference& ref,
                              const std::string& platform, const store::BlobStore* local) {
  Resolved r;
  std::string tag_or_digest = ref.digest ? ref.digest->String() : ref.tag;
  BERTH_ASSIGN_OR_RETURN(r.top, client.GetManifest(ref.repository, tag_or_digest, ref.digest));
  r.manifest = r.top;
  if (store::media::IsIndex(r.top.media_type)) {
    auto index = store::ParseIndex(r.top.bytes);
    if (!index) return std::move(index).error().Context("parse index " + r.top.digest.String());
    BERTH_ASSIGN_OR_RETURN(store::Platform want, ParsePlatform(platform));
    BERTH_ASSIGN_OR_RETURN(store::Descriptor chosen, SelectPlatform(*index, want));
    auto stored = local != nullptr && local->Has(chosen.digest)
                      ? local->Read(chosen.digest, kMaxManifestBytes)
                      : Result<std::string>(MakeError(ErrorCode::kNotFound, "not stored"));
    if (stored) {
      r.manifest.bytes = std::move(*stored);
      r.manifest.digest = chosen.digest;
      r.manifest.media_type = store::DetectMediaType(r.manifest.bytes);
    } else {
      BERTH_ASSIGN_OR_RETURN(r.manifest, client.GetManifest(ref.repository,
                                                            chosen.digest.String(),
                                                            chosen.digest));
    }
    if (!store::media::IsManifest(r.manifest.media_type)) {
      return MakeError(ErrorCode::kUnsupported, "resolve " + chosen.digest.String() +
                                                    ": nested index for platform " +
                                                    want.String());
    }
  }
  auto m = store::ParseManifest(r.manifest.bytes);
  if (!m) return std::move(m).error().Context("parse manifest " + r.manifest.digest.String());
  r.parsed = std::move(*m);
  return r;
}

}  // namespace berth::puller
