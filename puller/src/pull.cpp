// Pull: resolve, fetch config and layers in parallel, unpack each layer as it completes,
// commit the image (see pull.hpp).
#include "berth/puller/pull.hpp"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "berth/base/io.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/store/layer_unpack.hpp"
#include "berth/store/partial_blob.hpp"
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

// A layer whose blob is ready to unpack: a verified download not yet committed (its fsync
// comes after the unpack, whose syncfs makes it nearly free), or none when the blob was
// already in the store.
struct ReadyLayer {
  size_t index = 0;
  std::optional<store::PartialBlob> download;
};

// Unpacks one layer from its verified bytes (not hashed again), then commits the download.
Result<void> UnpackReady(store::Store& st, const store::Descriptor& desc,
                         const store::DiffId& diff_id, ReadyLayer& item) {
  UniqueFd stored;
  int fd = -1;
  if (item.download) {
    fd = item.download->fd();
    if (::lseek(fd, 0, SEEK_SET) < 0) return SysError("seek download", errno);
  } else {
    BERTH_ASSIGN_OR_RETURN(stored, st.blobs().Open(desc.digest));
    fd = stored.get();
  }
  FdReader reader(fd);
  store::UnpackOptions uo;
  uo.verified_blob = &desc.digest;
  auto unpacked = st.layers().Unpack(reader, desc.digest, &diff_id, uo);
  // The blob was verified: keep it even if the config disagrees about its diff_id.
  Result<void> committed = item.download ? item.download->Commit() : Ok();
  if (!unpacked) return std::move(unpacked).error();
  return committed;
}

// Downloads (max_parallel at a time) and unpacks (one per core) run side by side: a fetcher
// hands each verified layer to the unpackers and goes on with the next download.
Result<void> PullLayers(store::Store& st, RegistryClient& client, const std::string& repo,
                        const store::Manifest& m, const store::ImageConfig& cfg, int max_parallel,
                        Reporter& rep) {
  if (cfg.diff_ids.size() != m.layers.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "config lists " + std::to_string(cfg.diff_ids.size()) + " diff_ids for " +
                         std::to_string(m.layers.size()) + " layers");
  }
  const size_t n = m.layers.size();
  if (n == 0) return Ok();
  std::mutex mu;
  std::condition_variable cv;
  std::deque<ReadyLayer> ready;
  std::optional<Error> first_error;
  std::atomic<bool> failed{false};
  std::atomic<size_t> next{0};
  size_t fetchers = std::min<size_t>(std::max(1, max_parallel), n);
  size_t fetchers_left = fetchers;
  auto fail = [&](Error e) {
    std::lock_guard<std::mutex> g(mu);
    if (!first_error) first_error = std::move(e);
    failed = true;
    cv.notify_all();
  };
  auto fetcher = [&] {
    for (size_t i = next++; i < n && !failed; i = next++) {
      const store::Descriptor& desc = m.layers[i];
      std::string what = "layer " + desc.digest.String();
      ReadyLayer item{i, std::nullopt};
      if (st.layers().Has(cfg.diff_ids[i])) {
        rep.Call([&](PullProgress& p) { p.BlobExists(desc.digest); });
        continue;
      }
      if (st.blobs().Has(desc.digest)) {
        rep.Call([&](PullProgress& p) { p.BlobExists(desc.digest); });
      } else {
        rep.Call([&](PullProgress& p) { p.BlobStarted(desc.digest, desc.size); });
        FetchEvents events;
        events.bytes = [&](uint64_t done) {
          rep.Call([&](PullProgress& p) { p.BlobBytes(desc.digest, done, desc.size); });
        };
        auto fetched = FetchVerified(client, repo, desc, st.blobs(), events);
        if (!fetched) {
          fail(std::move(fetched).error().Context(what));
          break;
        }
        item.download = std::move(*fetched);
      }
      std::lock_guard<std::mutex> g(mu);
      ready.push_back(std::move(item));
      cv.notify_one();
    }
    std::lock_guard<std::mutex> g(mu);
    --fetchers_left;
    cv.notify_all();
  };
  auto unpacker = [&] {
    for (;;) {
      ReadyLayer item;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return !ready.empty() || fetchers_left == 0; });
        if (ready.empty()) return;
        item = std::move(ready.front());
        ready.pop_front();
      }
      const store::Descriptor& desc = m.layers[item.index];
      if (failed) {  // keep what was verified for the next pull, skip the work
        if (item.download) (void)item.download->Commit();
        continue;
      }
      auto r = UnpackReady(st, desc, cfg.diff_ids[item.index], item);
      if (!r) {
        fail(std::move(r).error().Context("layer " + desc.digest.String()));
        continue;
      }
      rep.Call([&](PullProgress& p) { p.BlobDone(desc.digest); });
    }
  };
  size_t unpackers = std::min<size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < fetchers; ++t) threads.emplace_back(fetcher);
  for (size_t t = 1; t < unpackers; ++t) threads.emplace_back(unpacker);
  unpacker();
  for (auto& t : threads) t.join();
  if (first_error) return *std::move(first_error);
  return Ok();
}

Result<PullResult> PullFrom(store::Store& st, RegistryClient& client, const store::Reference& ref,
                            const PullOptions& o, Reporter& rep) {
  BERTH_ASSIGN_OR_RETURN(Resolved r, ResolveImage(client, ref, o.platform, &st.blobs()));
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
