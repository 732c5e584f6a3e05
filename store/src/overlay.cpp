#include "berth/store/overlay.hpp"

#include <sys/mount.h>

#include "berth/base/strings.hpp"

namespace berth::store {

namespace {

Result<void> CheckOptionPath(const std::string& p) {
  // overlayfs splits lowerdir on ':' and the option string on ','; escaping them is not
  // supported by every kernel, and berth's own paths never need them.
  if (p.find_first_of(",:") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "overlay path " + Quote(p) + " contains ',' or ':'");
  }
  return Ok();
}

}  // namespace

Result<MountSpec> OverlayMountSpec(const OverlaySpecInput& in) {
  if (in.upper.has_value() != in.work.has_value()) {
    return MakeError(ErrorCode::kInvalidArgument, "overlay: upper and work go together");
  }
  std::string data = "lowerdir=";
  for (const auto& l : in.lower_links) {
    BERTH_TRY(CheckOptionPath(l));
    data += l;
    data += ':';
  }
  BERTH_TRY(CheckOptionPath(in.empty_dir));
  data += in.empty_dir;
  if (in.upper) {
    BERTH_TRY(CheckOptionPath(in.upper->string()));
    BERTH_TRY(CheckOptionPath(in.work->string()));
    // redirect_dir and metacopy would leave an upper dir that is not self-contained, and
    // berth commits upper dirs as layers; index ties the upper dir to these lower inodes.
    data += ",upperdir=" + in.upper->string() + ",workdir=" + in.work->string() +
            ",redirect_dir=off,metacopy=off,index=off";
  }
  if (data.size() + 1 > kMountDataLimit) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "overlay options for " + std::to_string(in.lower_links.size()) +
                         " layers take " + std::to_string(data.size() + 1) +
                         " bytes, more than the kernel's " + std::to_string(kMountDataLimit));
  }
  MountSpec spec;
  spec.source = "overlay";
  spec.target = in.target;
  spec.fstype = "overlay";
  spec.flags = in.read_only ? MS_RDONLY : 0;
  spec.data = std::move(data);
  spec.chdir = in.store_root;
  return spec;
}

}  // namespace berth::store
