#include "step_layer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "berth/base/fs.hpp"
#include "berth/runner/container_files.hpp"
#include "berth/store/layer_adopt.hpp"

namespace berth::builder {

Result<StepLayer> CommitUpperLayer(store::Store& s, const std::filesystem::path& upper,
                                   const std::vector<store::DiffId>& parents, int64_t timestamp) {
  {
    // The mountpoints berth made for /etc/hosts and friends are not the step's doing; the
    // container is gone, so they can simply go.
    BERTH_ASSIGN_OR_RETURN(UniqueFd upper_fd, Open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    for (const std::string& rel : runner::ProvidedFileMountpoints(upper_fd.get())) {
      if (::unlinkat(upper_fd.get(), rel.c_str(), 0) < 0) {
        return SysError("remove mountpoint " + rel + " from the step's upper dir", errno);
      }
    }
  }
  store::AdoptOptions options;
  options.commit.compression = store::Compression::kGzip;
  options.commit.source_date_epoch = timestamp;
  BERTH_ASSIGN_OR_RETURN(store::AdoptedLayer layer, store::AdoptLayer(s, upper, parents, options));
  return StepLayer{layer.diff_id, layer.digest, layer.size, layer.media_type};
}

}  // namespace berth::builder
