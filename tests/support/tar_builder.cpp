#include "support/tar_builder.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <memory>
#include <stdexcept>

namespace berth::testing {

TarBuilder& TarBuilder::Add(TarEntry e) {
  entries_.push_back(std::move(e));
  return *this;
}

TarBuilder& TarBuilder::File(const std::string& name, const std::string& data, mode_t mode) {
  TarEntry e;
  e.name = name;
  e.data = data;
  e.mode = mode;
  return Add(std::move(e));
}

TarBuilder& TarBuilder::Dir(const std::string& name, mode_t mode) {
  TarEntry e;
  e.name = name;
  e.type = '5';
  e.mode = mode;
  return Add(std::move(e));
}

TarBuilder& TarBuilder::Symlink(const std::string& name, const std::string& target) {
  TarEntry e;
  e.name = name;
  e.type = '2';
  e.linkname = target;
  e.mode = 0777;
  return Add(std::move(e));
}

TarBuilder& TarBuilder::Hardlink(const std::string& name, const std::string& target) {
  TarEntry e;
  e.name = name;
  e.type = '1';
  e.linkname = target;
  return Add(std::move(e));
}

TarBuilder& TarBuilder::CharDev(const std::string& name, unsigned major, unsigned minor) {
  TarEntry e;
  e.name = name;
  e.type = '3';
  e.devmajor = major;
  e.devminor = minor;
  e.mode = 0666;
  return Add(std::move(e));
}

TarBuilder& TarBuilder::Fifo(const std::string& name) {
  TarEntry e;
  e.name = name;
  e.type = '6';
  return Add(std::move(e));
}

TarBuilder& TarBuilder::Whiteout(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return File(dir + ".wh." + base, "", 0644);
}

TarBuilder& TarBuilder::Opaque(const std::string& dir) {
  std::string d = dir;
  if (!d.empty() && d.back() != '/') d += '/';
  return File(d + ".wh..wh..opq", "", 0644);
}

static la_ssize_t AppendToString(struct archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

std::string TarBuilder::Build(TarCompression c) const {
  std::string out;
  std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_write_new(),
                                                              archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  if (c == TarCompression::kGzip) {
    archive_write_add_filter_gzip(a.get());
    // No time stamp in the gzip header: the same entries must give the same blob digest.
    archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);
  }
  if (c == TarCompression::kZstd) archive_write_add_filter_zstd(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open(a.get(), &out, nullptr, AppendToString, nullptr) != ARCHIVE_OK) {
    throw std::runtime_error(archive_error_string(a.get()));
  }
  for (const auto& e : entries_) {
    std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> en(
        archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(en.get(), e.name.c_str());
    mode_t type = AE_IFREG;
    switch (e.type) {
      case '1': type = AE_IFREG; break;
      case '2': type = AE_IFLNK; break;
      case '3': type = AE_IFCHR; break;
      case '4': type = AE_IFBLK; break;
      case '5': type = AE_IFDIR; break;
      case '6': type = AE_IFIFO; break;
      default: type = AE_IFREG;
    }
    archive_entry_set_filetype(en.get(), type);
    archive_entry_set_perm(en.get(), e.mode & 07777);
    archive_entry_set_uid(en.get(), e.uid);
    archive_entry_set_gid(en.get(), e.gid);
    archive_entry_set_mtime(en.get(), e.mtime, 0);
    if (e.type == '2') archive_entry_set_symlink(en.get(), e.linkname.c_str());
    if (e.type == '1') {
      archive_entry_set_hardlink(en.get(), e.linkname.c_str());
      archive_entry_set_size(en.get(), 0);
    }
    if (e.type == '3' || e.type == '4') {
      archive_entry_set_rdev(en.get(), makedev(e.devmajor, e.devminor));
    }
    for (const auto& [k, v] : e.xattrs) {
      archive_entry_xattr_add_entry(en.get(), k.c_str(), v.data(), v.size());
    }
    if (e.type == '0') archive_entry_set_size(en.get(), static_cast<la_int64_t>(e.data.size()));
    if (archive_write_header(a.get(), en.get()) != ARCHIVE_OK) {
      throw std::runtime_error(std::string("tar header ") + e.name + ": " +
                               archive_error_string(a.get()));
    }
    if (e.type == '0' && !e.data.empty()) {
      archive_write_data(a.get(), e.data.data(), e.data.size());
    }
  }
  archive_write_close(a.get());
  return out;
}

std::string OciLayerMediaType(TarCompression c) {
  switch (c) {
    case TarCompression::kGzip: return "application/vnd.oci.image.layer.v1.tar+gzip";
    case TarCompression::kZstd: return "application/vnd.oci.image.layer.v1.tar+zstd";
    case TarCompression::kNone: break;
  }
  return "application/vnd.oci.image.layer.v1.tar";
}

std::string Sha256String(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace berth::testing
