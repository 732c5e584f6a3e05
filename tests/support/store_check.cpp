#include "support/store_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/base/fs.hpp"
#include "berth/base/io.hpp"
#include "berth/store/blob_store.hpp"
#include "berth/store/compression.hpp"
#include "berth/store/digest.hpp"
#include "berth/store/image_store.hpp"
#include "berth/store/layer_store.hpp"
#include "berth/store/oci.hpp"

namespace berth::testing {

namespace {

namespace fs = std::filesystem;
using store::Digest;

std::string HashOfFile(const fs::path& p, bool decompress) {
  auto fd = Open(p, O_RDONLY);
  if (!fd) return "unreadable: " + fd.error().ToString();
  FdReader file(fd->get());
  store::HashingWriter hash(nullptr);
  Result<uint64_t> copied(uint64_t{0});
  if (decompress) {
    auto d = store::DecompressReader::Open(file);
    if (!d) return "undecompressable: " + d.error().ToString();
    copied = Copy(**d, hash);
  } else {
    copied = Copy(file, hash);
  }
  if (!copied) return "unreadable: " + copied.error().ToString();
  return hash.Finish().String();
}

void CheckBlobs(const fs::path& root, std::vector<std::string>& out) {
  store::BlobStore blobs(root);
  auto list = blobs.List();
  if (!list) return out.push_back("list blobs: " + list.error().ToString());
  for (const Digest& d : *list) {
    std::string got = HashOfFile(blobs.PathOf(d), false);
    if (got != d.String()) out.push_back("blob " + d.String() + " hashes to " + got);
  }
}

void CheckLayer(const fs::path& root, const store::DiffId& id, std::vector<std::string>& out) {
  store::LayerStore layers(root);
  std::string what = "layer " + id.Short() + ": ";
  auto rec = layers.Get(id);
  if (!rec) return out.push_back(what + rec.error().ToString());
  if (rec->diff_id != id) out.push_back(what + "layer.json names " + rec->diff_id.String());
  struct stat st;
  if (::lstat(layers.DiffDir(id).c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
    out.push_back(what + "no diff directory");
  }
  std::vector<char> buf(256);
  ssize_t n = ::readlink((root / "l" / rec->link).c_str(), buf.data(), buf.size());
  std::string target = n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : "";
  if (target != "../layers/" + id.hex() + "/diff") {
    out.push_back(what + "link l/" + rec->link + " leads to '" + target + "'");
  }
  store::BlobStore blobs(root);
  for (const Digest& b : rec->blobs) {
    if (!blobs.Has(b)) continue;
    std::string got = HashOfFile(blobs.PathOf(b), true);
    if (got != id.String()) out.push_back(what + "blob " + b.Short() + " unpacks to " + got);
  }
}

void CheckImages(const fs::path& root, std::vector<std::string>& out) {
  store::ImageStore images(root);
  store::BlobStore blobs(root);
  store::LayerStore layers(root);
  auto list = images.List();
  if (!list) return out.push_back("list images: " + list.error().ToString());
  for (const auto& rec : *list) {
    std::string what = "image " + rec.config.Short() + ": ";
    auto mj = blobs.Read(rec.manifest);
    auto cj = blobs.Read(rec.config);
    if (!mj || !cj) {
      out.push_back(what + "manifest or config blob missing");
      continue;
    }
    auto m = store::ParseManifest(*mj);
    auto c = store::ParseImageConfig(*cj);
    if (!m || !c) {
      out.push_back(what + "manifest or config unreadable");
      continue;
    }
    for (const auto& l : m->layers) {
      if (!blobs.Has(l.digest)) out.push_back(what + "layer blob " + l.digest.Short() + " missing");
    }
    for (const auto& d : c->diff_ids) {
      if (!layers.Has(d)) out.push_back(what + "layer " + d.Short() + " missing");
    }
  }
}

}  // namespace

std::vector<std::string> CheckStore(const fs::path& root, bool collected) {
  std::vector<std::string> out;
  CheckBlobs(root, out);
  store::LayerStore layers(root);
  auto ids = layers.List();
  if (!ids) {
    out.push_back("list layers: " + ids.error().ToString());
  } else {
    for (const auto& id : *ids) CheckLayer(root, id, out);
  }
  CheckImages(root, out);
  if (collected) {
    auto tmp = ListDir(root / "tmp");
    if (tmp && !tmp->empty()) out.push_back("tmp/ holds " + tmp->front() + " after collection");
    auto links = ListDir(root / "l");
    for (const auto& l : links ? *links : std::vector<std::string>{}) {
      if (::access((root / "l" / l).c_str(), F_OK) < 0) out.push_back("link l/" + l + " dangles");
    }
  }
  return out;
}

}  // namespace berth::testing
