// Garbage collection: mark what the image records reach, sweep the rest.
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include <set>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/store.hpp"

namespace berth::store {

namespace {

struct LiveSet {
  std::set<Digest> blobs;
  std::set<DiffId> layers;
};

Result<LiveSet> Mark(const Store& store) {
  LiveSet live;
  BERTH_ASSIGN_OR_RETURN(auto records, store.images().List());
  // Held images are roots even if their record went (it cannot while held, but a hold
  // written by an older berth, or a record removed by hand, must not lose a running
  // container its layers).
  BERTH_ASSIGN_OR_RETURN(auto holds, store.Holds());
  for (const auto& h : holds) {
    if (!store.blobs().Has(h.image.manifest)) continue;
    records.push_back(h.image);
  }
  for (const auto& rec : records) {
    live.blobs.insert(rec.manifest);
    live.blobs.insert(rec.config);
    auto view = store.ReadImage(rec);
    // Sweeping without knowing what an unreadable image uses could delete its layers; stop
    // instead. Removing that image's record (rmi) lets collection go on.
    if (!view) return std::move(view).error().Context("nothing removed");
    for (const auto& l : view->manifest.layers) live.blobs.insert(l.digest);
    for (const auto& d : view->config.diff_ids) live.layers.insert(d);
  }
  return live;
}

uint64_t SizeOf(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

Result<void> SweepStale(const fs::path& root) {
  // Stages: every writer holds the shared lock while its stages exist, and GC holds the
  // exclusive lock, so whatever is in tmp/ now was left by a crash.
  BERTH_ASSIGN_OR_RETURN(auto stages, ListDir(root / "tmp"));
  for (const auto& s : stages) BERTH_TRY(RemoveTree(root / "tmp" / s));
  // Partial downloads (see partial_blob.hpp) are kept for the next pull to resume, unless
  // their blob got stored or nobody came back for them within a week.
  BERTH_ASSIGN_OR_RETURN(auto partials, ListDir(root / "partial"));
  time_t week_ago = ::time(nullptr) - 7 * 24 * 3600;
  for (const auto& name : partials) {
    fs::path p = root / "partial" / name;
    struct stat st;
    bool stored = ::access((root / "blobs" / "sha256" / name).c_str(), F_OK) == 0;
    if (stored || (::lstat(p.c_str(), &st) == 0 && st.st_mtime < week_ago)) {
      ::unlink(p.c_str());
    }
  }
  // Short links whose layer never arrived (a crash between link and rename) or is gone.
  BERTH_ASSIGN_OR_RETURN(auto links, ListDir(root / "l"));
  for (const auto& l : links) {
    fs::path p = root / "l" / l;
    struct stat st;
    if (::stat(p.c_str(), &st) < 0 && errno == ENOENT) ::unlink(p.c_str());
  }
  return Ok();
}

}  // namespace

Result<GcReport> Store::GarbageCollect() {
  BERTH_TRY(lock_.Change(FileLock::Mode::kExclusive));
  auto body = [&]() -> Result<GcReport> {
    GcReport report;
    BERTH_ASSIGN_OR_RETURN(LiveSet live, Mark(*this));
    BERTH_ASSIGN_OR_RETURN(auto blobs, blobs_.List());
    for (const auto& b : blobs) {
      if (live.blobs.count(b)) continue;
      report.bytes_freed += SizeOf(blobs_.PathOf(b));
      BERTH_TRY(blobs_.Remove(b));
      report.blobs_removed.push_back(b);
    }
    BERTH_ASSIGN_OR_RETURN(auto layers, layers_.List());
    for (const auto& l : layers) {
      if (live.layers.count(l)) continue;
      auto rec = layers_.Get(l);
      if (rec) report.bytes_freed += rec->size;
      BERTH_TRY(layers_.Remove(l));
      report.layers_removed.push_back(l);
    }
    BERTH_TRY(SweepStale(root_));
    return report;
  };
  auto report = body();
  auto relock = lock_.Change(FileLock::Mode::kShared);
  if (!report) return std::move(report).error().Context("garbage collect");
  BERTH_TRY(relock);
  return report;
}

}  // namespace berth::store
