// TarBuilder: crafts layer tarballs entry by entry for tests, so a test reads as the layer it
// means. Names are written exactly as given (hostile names such as "../x" or "/abs" too).
// Uses libarchive's writer (pax format), independent of berth's own tar code.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace berth::testing {

struct TarEntry {
  std::string name;
  char type = '0';  // '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo
  std::string data;
  std::string linkname;
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
  int64_t mtime = 1700000000;
  unsigned devmajor = 0;
  unsigned devminor = 0;
  std::map<std::string, std::string> xattrs;
};

enum class TarCompression { kNone, kGzip, kZstd };

class TarBuilder {
 public:
  TarBuilder& Add(TarEntry e);
  TarBuilder& File(const std::string& name, const std::string& data, mode_t mode = 0644);
  TarBuilder& Dir(const std::string& name, mode_t mode = 0755);
  TarBuilder& Symlink(const std::string& name, const std::string& target);
  TarBuilder& Hardlink(const std::string& name, const std::string& target);
  TarBuilder& CharDev(const std::string& name, unsigned major, unsigned minor);
  TarBuilder& Fifo(const std::string& name);
  // ".wh.<base>" next to `path`.
  TarBuilder& Whiteout(const std::string& path);
  // "<dir>/.wh..wh..opq".
  TarBuilder& Opaque(const std::string& dir);

  // The tar stream (ends with the two zero blocks), optionally compressed.
  std::string Build(TarCompression c = TarCompression::kNone) const;
  const std::vector<TarEntry>& entries() const { return entries_; }

 private:
  std::vector<TarEntry> entries_;
};

// The OCI layer media type for a compression ("application/vnd.oci.image.layer.v1.tar+gzip").
std::string OciLayerMediaType(TarCompression c);

// sha256 of bytes as "sha256:<hex>" (independent of berth's Digest, for cross-checks).
std::string Sha256String(const std::string& data);

}  // namespace berth::testing
