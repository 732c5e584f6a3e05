#include "layer_tar_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace berth::store {

namespace {

constexpr size_t kBlock = 512;
constexpr size_t kBufSize = size_t{1} << 20;    // a multiple of kBlock and of the compressor chunk
constexpr uint64_t kMaxOctal7 = 07777777;       // largest value of an 8-byte octal field
constexpr uint64_t kMaxOctal11 = 077777777777;  // largest value of a 12-byte octal field
constexpr size_t kNameSize = 100;

size_t Padding(uint64_t size) { return static_cast<size_t>((kBlock - size % kBlock) % kBlock); }

// width-1 zero-padded octal digits and a NUL, as GNU tar and Go write numeric fields.
void PutOctal(char* field, size_t width, uint64_t v) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (v & 7));
    v >>= 3;
  }
}

void PutString(char* field, size_t width, std::string_view s) {
  if (!s.empty()) std::memcpy(field, s.data(), std::min(s.size(), width));
}

bool MtimeFitsUstar(int64_t t) { return t >= 0 && static_cast<uint64_t>(t) <= kMaxOctal11; }

// The ustar block for `h`. Values that do not fit are written as 0 and carried by the pax
// header instead (what Go's archive/tar does); a long name is truncated to its first 100 bytes.
void EncodeUstar(const LayerTarHeader& h, char* b) {
  std::memset(b, 0, kBlock);
  PutString(b, kNameSize, h.name);
  PutOctal(b + 100, 8, h.mode & 07777);
  PutOctal(b + 108, 8, h.uid <= kMaxOctal7 ? h.uid : 0);
  PutOctal(b + 116, 8, h.gid <= kMaxOctal7 ? h.gid : 0);
  PutOctal(b + 124, 12, h.size <= kMaxOctal11 ? h.size : 0);
  PutOctal(b + 136, 12, MtimeFitsUstar(h.mtime) ? static_cast<uint64_t>(h.mtime) : 0);
  b[156] = h.type;
  PutString(b + 157, kNameSize, h.linkname);
  std::memcpy(b + 257,
              "ustar\0"
              "00",
              8);
  // uname (265) and gname (297) stay empty: layers carry numeric ids only.
  PutOctal(b + 329, 8, h.devmajor);
  PutOctal(b + 337, 8, h.devminor);
  std::memset(b + 148, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += static_cast<unsigned char>(b[i]);
  PutOctal(b + 148, 7, sum);  // six digits, NUL, then the space left from the memset
}

size_t DecimalDigits(size_t v) {
  size_t d = 1;
  while (v >= 10) {
    v /= 10;
    ++d;
  }
  return d;
}

// "<len> <key>=<value>\n" where <len> counts the whole record, its own digits included.
void AppendPaxRecord(std::string& out, std::string_view key, std::string_view value) {
  size_t base = key.size() + value.size() + 3;
  size_t len = base + DecimalDigits(base);
  if (DecimalDigits(len) != DecimalDigits(base)) len = base + DecimalDigits(len);
  out += std::to_string(len);
  out += ' ';
  out += key;
  out += '=';
  out += value;
  out += '\n';
}

// Structural UTF-8 check (lead and continuation bytes); enough to tell Linux names that are
// raw bytes from text.
bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = c < 0x80             ? 0
                   : (c & 0xe0) == 0xc0 ? 1
                   : (c & 0xf0) == 0xe0 ? 2
                   : (c & 0xf8) == 0xf0 ? 3
                                        : 4;
    if (extra == 4 || s.size() - i - 1 < extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

// "dir/PaxHeaders.0/base", the name Go's archive/tar gives extended headers (GNU tar's
// default puts a process id in it, which would make the bytes differ run to run).
std::string PaxHeaderName(std::string_view name) {
  if (!name.empty() && name.back() == '/') name.remove_suffix(1);
  size_t slash = name.rfind('/');
  std::string out;
  if (slash != std::string_view::npos) out.append(name.substr(0, slash + 1));
  out += "PaxHeaders.0/";
  out.append(slash == std::string_view::npos ? name : name.substr(slash + 1));
  if (out.size() > kNameSize) out.resize(kNameSize);
  return out;
}

}  // namespace

LayerTarWriter::LayerTarWriter(Writer& out)
    : out_(out), buf_(std::make_unique<std::byte[]>(kBufSize)) {}

void LayerTarWriter::BuildPaxRecords(const LayerTarHeader& h) {
  pax_.clear();
  bool long_name = h.name.size() > kNameSize;
  bool long_link = h.linkname.size() > kNameSize;
  // Records in bytewise key order: upper-case "SCHILY" sorts before the lower-case keys.
  for (const LayerTarXattr& x : h.xattrs) {
    std::string key = "SCHILY.xattr.";
    key += x.name;
    AppendPaxRecord(pax_, key, x.value);
  }
  if (h.gid > kMaxOctal7) AppendPaxRecord(pax_, "gid", std::to_string(h.gid));
  // pax says path values are UTF-8; for Linux names that are not, declare them as raw bytes
  // the way libarchive does, so readers do not try to convert them.
  if ((long_name && !IsValidUtf8(h.name)) || (long_link && !IsValidUtf8(h.linkname))) {
    AppendPaxRecord(pax_, "hdrcharset", "BINARY");
  }
  if (long_link) AppendPaxRecord(pax_, "linkpath", h.linkname);
  if (!MtimeFitsUstar(h.mtime)) AppendPaxRecord(pax_, "mtime", std::to_string(h.mtime));
  if (long_name) AppendPaxRecord(pax_, "path", h.name);
  if (h.size > kMaxOctal11) AppendPaxRecord(pax_, "size", std::to_string(h.size));
  if (h.uid > kMaxOctal7) AppendPaxRecord(pax_, "uid", std::to_string(h.uid));
}

Result<void> LayerTarWriter::WriteHeader(const LayerTarHeader& h) {
  char block[kBlock];
  BuildPaxRecords(h);
  if (!pax_.empty()) {
    std::string pax_name = PaxHeaderName(h.name);
    LayerTarHeader x{.name = pax_name, .type = 'x', .mode = 0644, .size = pax_.size()};
    EncodeUstar(x, block);
    BERTH_TRY(Append(block, kBlock));
    BERTH_TRY(Append(pax_.data(), pax_.size()));
    BERTH_TRY(AppendZeros(Padding(pax_.size())));
  }
  EncodeUstar(h, block);
  return Append(block, kBlock);
}

Result<void> LayerTarWriter::WriteData(int fd, uint64_t size) {
  uint64_t left = size;
  while (left > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(left, kBufSize - len_));
    ssize_t n = ::read(fd, buf_.get() + len_, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError("read", errno);
    }
    if (n == 0) {
      // The header already promised `size` bytes; padding with zeros would silently store a
      // different file, so the commit fails instead.
      return MakeError(ErrorCode::kIo, "file shrank while being read (" +
                                           std::to_string(size - left) + " of " +
                                           std::to_string(size) + " bytes)");
    }
    len_ += static_cast<size_t>(n);
    left -= static_cast<uint64_t>(n);
    if (len_ == kBufSize) BERTH_TRY(Flush());
  }
  return AppendZeros(Padding(size));
}

Result<void> LayerTarWriter::Finish() {
  BERTH_TRY(AppendZeros(2 * kBlock));
  return Flush();
}

Result<void> LayerTarWriter::Append(const void* data, size_t n) {
  const auto* p = static_cast<const std::byte*>(data);
  while (n > 0) {
    size_t k = std::min(n, kBufSize - len_);
    std::memcpy(buf_.get() + len_, p, k);
    len_ += k;
    p += k;
    n -= k;
    if (len_ == kBufSize) BERTH_TRY(Flush());
  }
  return Ok();
}

Result<void> LayerTarWriter::AppendZeros(size_t n) {
  while (n > 0) {
    size_t k = std::min(n, kBufSize - len_);
    std::memset(buf_.get() + len_, 0, k);
    len_ += k;
    n -= k;
    if (len_ == kBufSize) BERTH_TRY(Flush());
  }
  return Ok();
}

Result<void> LayerTarWriter::Flush() {
  if (len_ == 0) return Ok();
  size_t n = len_;
  len_ = 0;
  return out_.Write({buf_.get(), n});
}

}  // namespace berth::store
