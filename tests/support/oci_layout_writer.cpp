#include "support/oci_layout_writer.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace berth::testing {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCreated = "2024-01-01T00:00:00Z";

void WriteFile(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) throw std::runtime_error("write " + p.string());
}

// Stores `data` as a blob and returns its descriptor (without mediaType).
nlohmann::json AddBlob(const fs::path& layout, const std::string& data) {
  std::string digest = Sha256String(data);
  WriteFile(layout / "blobs" / "sha256" / digest.substr(7), data);
  return {{"digest", digest}, {"size", data.size()}};
}

// The bytes a compressed layer decompresses to, read back with libarchive's raw format.
std::string Decompress(const std::string& blob) {
  std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_read_new(),
                                                              archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  struct archive_entry* entry = nullptr;
  if (archive_read_open_memory(a.get(), blob.data(), blob.size()) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &entry) != ARCHIVE_OK) {
    throw std::runtime_error(std::string("decompress layer: ") + archive_error_string(a.get()));
  }
  std::string out;
  char buf[65536];
  la_ssize_t n;
  while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  if (n < 0)
    throw std::runtime_error(std::string("decompress layer: ") + archive_error_string(a.get()));
  return out;
}

// libarchive's gzip writer stores the current time in the header (RFC 1952 MTIME, bytes
// 4..7); zero it so a layout's digests depend only on its layers. No header CRC covers it
// unless FLG.FHCRC (bit 1) is set.
std::string ZeroGzipTime(std::string blob) {
  if (blob.size() > 10 && static_cast<unsigned char>(blob[0]) == 0x1f &&
      static_cast<unsigned char>(blob[1]) == 0x8b && (blob[3] & 0x02) == 0) {
    blob.replace(4, 4, 4, '\0');
  }
  return blob;
}

}  // namespace

OciLayoutResult WriteOciLayout(const fs::path& dir, const OciLayoutImage& image) {
  fs::create_directories(dir / "blobs" / "sha256");
  OciLayoutResult result;
  nlohmann::json layers = nlohmann::json::array();
  nlohmann::json history = nlohmann::json::array();
  for (size_t i = 0; i < image.layers.size(); ++i) {
    std::string tar = image.layers[i].Build(TarCompression::kNone);
    std::string blob = tar;
    if (image.compression != TarCompression::kNone) {
      blob = ZeroGzipTime(image.layers[i].Build(image.compression));
      // diff_id is the hash of `tar`; it must be exactly what the blob decompresses to.
      if (Decompress(blob) != tar) {
        throw std::runtime_error("layer " + std::to_string(i) +
                                 ": compressed build differs from the plain tar");
      }
    }
    result.diff_ids.push_back(Sha256String(tar));
    nlohmann::json desc = AddBlob(dir, blob);
    desc["mediaType"] = OciLayerMediaType(image.compression);
    layers.push_back(desc);
    history.push_back(
        {{"created", kCreated}, {"created_by", "berth test layer " + std::to_string(i)}});
  }
  nlohmann::json config = {
      {"created", kCreated},
      {"architecture", image.architecture},
      {"os", "linux"},
      {"config",
       {{"Env", nlohmann::json::array(
                    {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"})},
        {"Cmd", nlohmann::json::array({"sh"})}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", result.diff_ids}}},
      {"history", history},
  };
  nlohmann::json config_desc = AddBlob(dir, config.dump());
  config_desc["mediaType"] = "application/vnd.oci.image.config.v1+json";
  result.config_digest = config_desc["digest"];

  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", config_desc},
      {"layers", layers},
  };
  nlohmann::json manifest_desc = AddBlob(dir, manifest.dump());
  manifest_desc["mediaType"] = "application/vnd.oci.image.manifest.v1+json";
  manifest_desc["annotations"] = {{"org.opencontainers.image.ref.name", image.ref_name}};
  result.manifest_digest = manifest_desc["digest"];

  nlohmann::json index = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.index.v1+json"},
      {"manifests", nlohmann::json::array({manifest_desc})},
  };
  WriteFile(dir / "index.json", index.dump());
  WriteFile(dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  return result;
}

}  // namespace berth::testing
