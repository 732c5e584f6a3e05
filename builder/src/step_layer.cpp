#include "step_layer.hpp"

#include <fcntl.h>

#include "berth/base/fs.hpp"
#include "berth/base/io.hpp"
#include "berth/runner/container_files.hpp"
#include "berth/store/layer_commit.hpp"
#include "berth/store/staged.hpp"

namespace berth::builder {

Result<StepLayer> CommitUpperLayer(store::Store& s, const std::filesystem::path& upper,
                                   int64_t timestamp) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd upper_fd, Open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  BERTH_ASSIGN_OR_RETURN(store::StagedFile staged, store::StagedFile::Create(s.tmp_dir()));
  FdWriter out(staged.fd());
  store::CommitOptions options;
  options.compression = store::Compression::kGzip;
  options.source_date_epoch = timestamp;
  options.exclude = runner::ProvidedFileMountpoints(upper_fd.get());
  BERTH_ASSIGN_OR_RETURN(store::CommitStats stats, store::CommitLayer(upper_fd.get(), out, options));
  auto committed = staged.Commit(s.blobs().PathOf(stats.digest));
  if (!committed && committed.error().code != ErrorCode::kAlreadyExists) {
    return std::move(committed).error();
  }
  return StepLayer{stats.diff_id, stats.digest, stats.size, stats.media_type};
}

}  // namespace berth::builder
