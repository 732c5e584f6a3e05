#include "transfer_progress.hpp"

namespace berth::cli {

void TransferProgress::BlobStarted(const store::Digest& d, int64_t size) {
  display_.Start(d.Short(), size);
}

void TransferProgress::BlobBytes(const store::Digest& d, uint64_t done, int64_t /*size*/) {
  display_.Progress(d.Short(), done);
}

void TransferProgress::BlobDone(const store::Digest& d) { display_.Finish(d.Short(), "done"); }

void TransferProgress::BlobExists(const store::Digest& d) {
  display_.Finish(d.Short(), "skipped: already exists");
}

void TransferProgress::ConfigDone(const store::Digest& d) {
  display_.Line("Copying config " + d.Short() + " done");
}

void TransferProgress::WritingManifest() { display_.Line("Writing manifest to image destination"); }

}  // namespace berth::cli
