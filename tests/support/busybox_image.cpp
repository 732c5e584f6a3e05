#include "support/busybox_image.hpp"

#include <unistd.h>

#include "berth/base/subprocess.hpp"
#include "support/berth_cli.hpp"

namespace berth::testing {

std::string MakeBusyboxLayout(const std::filesystem::path& layout, const std::string& ref) {
  auto made = RunCommand({std::string(BERTH_SOURCE_DIR) + "/tests/fixtures/make-busybox-image.sh",
                          layout.string(), ref});
  if (!made || !made->status.ok()) return "make-busybox-image.sh failed";
  return "";
}

std::string LoadBusyboxImage(const std::string& berth_binary, const std::filesystem::path& root,
                             const std::filesystem::path& work, const std::string& ref) {
  std::filesystem::path layout = work / "busybox-layout";
  if (std::string why = MakeBusyboxLayout(layout, ref); !why.empty()) return why;
  auto loaded = RunCli(berth_binary, root, {"load", "-i", layout.string()});
  if (loaded.status != 0) return "berth load failed: " + loaded.err;
  return "";
}

std::string BusyboxContainersUnavailable() {
  if (::geteuid() != 0 || ::access("/bin/busybox", X_OK) != 0) {
    return "needs root and busybox-static";
  }
  return "";
}

}  // namespace berth::testing
