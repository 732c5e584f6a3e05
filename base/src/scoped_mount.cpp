#include "berth/base/scoped_mount.hpp"

#include <sys/mount.h>

namespace berth {

void ScopedMount::Reset() {
  if (target_.empty()) return;
  ::umount2(target_.c_str(), MNT_DETACH);
  target_.clear();
}

}  // namespace berth
