// Pull: resolve, fetch config and layers in parallel, unpack each layer as it completes,
// commit the image (see pull.hpp).
#include "berth/puller/pull.hpp"

#include <atomic>
#include <mutex>
#include <thread>

#include "berth/base/io.hpp"
#include "blob_fetch.hpp"
#include "endpoints.hpp"
#include "resolve.hpp"

namespace berth::puller {

namespace {

// Serialises progress calls from the workers.
class Reporter {
 public:
  explicit Reporter(PullProgress* p) : p_(p) {}
  template <typename F>
  void Call(F f) {
    if (p_ == nullptr) return;
    std::lock_guard<std::mutex> g(mu_);
    f(*p_);
  }

 private:
  PullProgress* p_;
  std::mutex mu_;
};

// One layer: skip it if unpacked, else fetch its blob (unless stored) and unpack it now.
Result<void> PullLayer(store::Store& st, RegistryClient& client, const std::string& repo,
                       const store::Descriptor& desc, const store::DiffId& diff_id,
                       Reporter& rep) {
  std::string what = "layer " + desc.digest.String();
  if (st.layers().Has(diff_id)) {
    rep.Call([&](PullProgress& p) { p.BlobExists(desc.digest); });
    return Ok();
  }
  if (st.blobs().Has(desc.digest)) {
    rep.Call([&](PullProgress& p) { p.BlobExists(desc.digest); });
  } else {
    rep.Call([&](PullProgress& p) { p.BlobStarted(desc.digest, desc.size); });
    FetchEvents events;
    events.bytes = [&](uint64_t n) {
      rep.Call([&](PullProgress& p) { p.BlobBytes(desc.digest, n, desc.size); });
    };
    auto fetched = FetchBlob(client, repo, desc, st.blobs(), events);
    if (!fetched) return std::move(fetched).error().Context(what);
  }
  auto fd = st.blobs().Open(desc.digest);
  if (!fd) return std::move(fd).error().Context(what);
  FdReader reader(fd->get());
  auto unpacked = st.layers().Unpack(reader, desc.digest, &diff_id);
  if (!unpacked) return std::move(unpacked).error().Context(what);
  rep.Call([&](PullProgress& p) { p.BlobDone(desc.digest); });
  return Ok();
}

Result<void> PullLayers(store::Store& st, RegistryClient& client, const std::string& repo,
                        const store::Manifest& m, const store::ImageConfig& cfg,
                        int max_parallel, Reporter& rep) {
  if (cfg.diff_ids.size() != m.layers.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "config lists " + std::to_string(cfg.diff_ids.size()) +
                         " diff_ids for " + std::to_string(m.layers.size()) + " layers");
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex err_mu;
  std::optional<Error> first_error;
  auto worker = [&] {
    for (size_t i = next++; i < m.layers.size() && !failed; i = next++) {
      auto r = PullLayer(st, client, repo, m.layers[i], cfg.diff_ids[i], rep);
      if (!r) {
        std::lock_guard<std::mutex> g(err_mu);
        if (!first_error) first_error = std::move(r).error();
        failed = true;
      }
    }
  };
  size_t n = std::min<size_t>(std::max(1, max_parallel), m.layers.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (first_error) return *std::move(first_error);
  return Ok();
}

Result<PullResult> PullFrom(store::Store& st, RegistryClient& client,
                            const store::Reference& ref, const PullOptions& o, Reporter& rep) {
  BERTH_ASSIGN_OR_RETURN(Resolved r, ResolveImage(client, ref, o.platform));
  const store::Descriptor& cfg_desc = r.parsed.config;
  auto cfg_fetched = FetchBlob(client, ref.repository, cfg_desc, st.blobs());
  if (!cfg_fetched) return std::move(cfg_fetched).error().Context("config");
  auto cfg_json = st.blobs().Read(cfg_desc.digest, kMaxManifestBytes);
  if (!cfg_json) return std::move(cfg_json).error().Context("config");
  auto cfg = store::ParseImageConfig(*cfg_json);
  if (!cfg) return std::move(cfg).error().Context("parse config " + cfg_desc.digest.String());
  rep.Call([&](PullProgress& p) { p.ConfigDone(cfg_desc.digest); });
  BERTH_TRY(PullLayers(st, client, ref.repository, r.parsed, *cfg, o.max_parallel, rep));
  rep.Call([](PullProgress& p) { p.WritingManifest(); });
  BERTH_ASSIGN_OR_RETURN(store::Digest stored, st.blobs().Put(r.manifest.bytes));
  PullResult out;
  out.name = ref.String();
  out.manifest = stored;
  out.pulled_digest = r.top.digest;
  out.repo_digest = ref.Name() + "@" + r.top.digest.String();
  std::vector<std::string> names;
  if (!ref.tag.empty()) names.push_back(ref.Name() + ":" + ref.tag);
  auto rec = st.CommitImage(stored, names, {out.repo_digest});
  if (!rec) return std::move(rec).error();
  out.image_id = rec->config;
  return out;
}

}  // namespace

Result<PullResult> Pull(store::Store& store, const PullOptions& options) {
  auto ref = store::Reference::Parse(options.reference);
  if (!ref) return std::move(ref).error().Context("pull " + options.reference);
  std::string what = "pull " + ref->String();
  auto clients = MakeClients(*ref, options.access, /*with_mirrors=*/true);
  if (!clients) return std::move(clients).error().Context(what);
  Reporter rep(options.progress);
  std::optional<Error> last;
  for (auto& client : *clients) {
    auto r = PullFrom(store, *client, *ref, options, rep);
    if (r) return r;
    last = std::move(r).error();
    // Mirrors fall back to the next endpoint on any failure, as containers/image does;
    // name the mirror so the user can tell which endpoint said what.
    if (client.get() != clients->back().get()) {
      last = last->Context("mirror " + client->endpoint().host);
    }
  }
  return last->Context(what);
}

}  // namespace berth::puller
