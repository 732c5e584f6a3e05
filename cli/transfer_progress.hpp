// TransferProgress: the puller's progress callbacks drawn by a TransferDisplay on stderr,
// podman's lines ("Copying blob 3f2a... done", "... skipped: already exists", "Copying config
// ... done", "Writing manifest to image destination"), live bars only on a terminal.
// Used by pull and push.
#pragma once

#include "berth/puller/pull.hpp"
#include "transfer_display.hpp"

namespace berth::cli {

class TransferProgress : public puller::PullProgress {
 public:
  // `tty`: stderr is a terminal (live bars); else plain lines.
  explicit TransferProgress(bool tty) : display_(stderr, tty) {}
  void BlobStarted(const store::Digest& d, int64_t size) override;
  void BlobBytes(const store::Digest& d, uint64_t done, int64_t size) override;
  void BlobDone(const store::Digest& d) override;
  void BlobExists(const store::Digest& d) override;
  void ConfigDone(const store::Digest& d) override;
  void WritingManifest() override;

 private:
  TransferDisplay display_;
};

}  // namespace berth::cli
