// Platform choice from an index (see platform_select.hpp; containers/image's
// platform_matcher.go is the model for the variant order).
#include <sys/utsname.h>

#include <algorithm>

#include "berth/base/strings.hpp"
#include "berth/puller/platform_select.hpp"

namespace berth::puller {

namespace {

std::string NormaliseArch(std::string arch) {
  if (arch == "x86_64" || arch == "x86-64") return "amd64";
  if (arch == "aarch64") return "arm64";
  if (arch == "armhf" || arch == "armel") return "arm";
  if (arch == "i386" || arch == "i686") return "386";
  return arch;
}

// Acceptable variants in order of preference; "*" means any.
std::vector<std::string> VariantOrder(const store::Platform& want) {
  if (want.architecture == "arm64") {
    if (want.variant.empty() || want.variant == "v8") return {"v8", ""};
    return {want.variant};
  }
  if (want.architecture == "arm") {
    static const std::vector<std::string> kArm = {"v8", "v7", "v6", "v5"};
    std::string top = want.variant.empty() ? "v7" : want.variant;
    std::vector<std::string> out;
    auto it = std::find(kArm.begin(), kArm.end(), top);
    if (it == kArm.end()) return {top};
    out.assign(it, kArm.end());
    out.push_back("");
    return out;
  }
  if (!want.variant.empty()) return {want.variant};
  return {"", "*"};
}

bool IsAttestation(const store::Descriptor& d) {
  auto it = d.annotations.find("vnd.docker.reference.type");
  if (it != d.annotations.end() && it->second == "attestation-manifest") return true;
  return d.platform && d.platform->os == "unknown" && d.platform->architecture == "unknown";
}

}  // namespace

store::Platform HostPlatform() {
  store::Platform p;
  p.os = "linux";
  struct utsname u {};
  p.architecture = uname(&u) == 0 ? NormaliseArch(u.machine) : "amd64";
  if (p.architecture == "arm64") p.variant = "v8";
  if (p.architecture == "arm") p.variant = "v7";
  return p;
}

Result<store::Platform> ParsePlatform(std::string_view text) {
  if (text.empty()) return HostPlatform();
  auto parts = Split(text, '/');
  if (parts.size() > 3 ||
      std::any_of(parts.begin(), parts.end(), [](const auto& s) { return s.empty(); })) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "parse platform " + Quote(text) + ": expected os/arch[/variant]");
  }
  store::Platform p;
  if (parts.size() == 1) {
    p.os = "linux";
    p.architecture = NormaliseArch(parts[0]);
  } else {
    p.os = parts[0];
    p.architecture = NormaliseArch(parts[1]);
    if (parts.size() == 3) p.variant = parts[2];
  }
  if (p.architecture == "arm64" && p.variant.empty()) p.variant = "v8";
  return p;
}

Result<store::Descriptor> SelectPlatform(const store::Index& index, const store::Platform& want) {
  for (const auto& variant : VariantOrder(want)) {
    for (const auto& d : index.manifests) {
      if (!d.platform || IsAttestation(d)) continue;
      const auto& p = *d.platform;
      if (p.os != want.os || NormaliseArch(p.architecture) != want.architecture) continue;
      if (variant == "*" || p.variant == variant) return d;
    }
  }
  std::vector<std::string> available;
  for (const auto& d : index.manifests) {
    if (d.platform && !IsAttestation(d)) available.push_back(d.platform->String());
  }
  return MakeError(ErrorCode::kNotFound,
                   "choose platform: no manifest for " + want.String() + " (available: " +
                       (available.empty() ? std::string("none") : Join(available, ", ")) + ")");
}

}  // namespace berth::puller
