#include "berth/builder/content_hash.hpp"

#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "berth/base/strings.hpp"
#include "clean_path.hpp"

namespace berth::builder {

namespace {

constexpr std::string_view kHashVersion = "berth-context-hash v1\n";

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) std::abort();
  }
  void Update(std::string_view data) { EVP_DigestUpdate(ctx_.get(), data.data(), data.size()); }
  void U64(uint64_t v) {
    std::array<char, 8> b;
    for (size_t i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
    Update({b.data(), b.size()});
  }
  // A length-prefixed string, so that no two sequences of fields share an encoding.
  void Field(std::string_view s) {
    U64(s.size());
    Update(s);
  }
  std::string Finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    return std::string(reinterpret_cast<char*>(md), len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

std::string Hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// The sha256 and length of a regular file's bytes.
Result<void> HashFile(int context_fd, const std::string& path, Sha256& outer) {
  // O_NONBLOCK: should a FIFO replace the file after the walk, the open must not block.
  BERTH_ASSIGN_OR_RETURN(
      UniqueFd fd,
      OpenContextPath(context_fd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(path), errno);
  if (!S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, "hash " + Quote(path) + ": no longer a file");
  }
  Sha256 inner;
  uint64_t total = 0;
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError("read " + Quote(path), errno);
    if (n == 0) break;
    inner.Update({buf, static_cast<size_t>(n)});
    total += static_cast<uint64_t>(n);
  }
  outer.U64(total);
  outer.Update(inner.Finish());
  return Ok();
}

Result<void> HashSymlink(int context_fd, const std::string& path, Sha256& outer) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenContextPath(context_fd, path, O_PATH | O_NOFOLLOW));
  char buf[PATH_MAX];
  ssize_t n = ::readlinkat(fd.get(), "", buf, sizeof buf);
  if (n < 0) return SysError("read link " + Quote(path), errno);
  outer.Field({buf, static_cast<size_t>(n)});
  return Ok();
}

// One record: name, type, permissions, owner, then what the type carries.
Result<void> HashEntry(int context_fd, const std::string& name, const std::string& path,
                       const struct stat& st, Sha256& outer) {
  outer.Field(name);
  const mode_t type = st.st_mode & S_IFMT;
  outer.U64(type);
  outer.U64(st.st_mode & 07777);
  outer.U64(st.st_uid);
  outer.U64(st.st_gid);
  if (type == S_IFREG) return HashFile(context_fd, path, outer);
  if (type == S_IFLNK) return HashSymlink(context_fd, path, outer);
  if (type == S_IFCHR || type == S_IFBLK) outer.U64(st.st_rdev);
  return Ok();
}

Result<void> HashSource(int context_fd, const ContextSource& source, const IgnoreRules& rules,
                        Sha256& outer) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd,
                         OpenContextPath(context_fd, source.resolved, O_PATH | O_NOFOLLOW));
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return SysError("stat " + Quote(source.resolved), errno);
  BERTH_TRY(HashEntry(context_fd, source.path, source.resolved, st, outer));
  if (!S_ISDIR(st.st_mode)) return Ok();
  BERTH_ASSIGN_OR_RETURN(auto tree, ListContextTree(context_fd, source.resolved, rules));
  outer.U64(tree.size());
  for (const ContextTreeEntry& e : tree) {
    struct stat est = {};
    est.st_mode = e.mode;
    est.st_uid = e.uid;
    est.st_gid = e.gid;
    est.st_rdev = e.rdev;
    BERTH_TRY(HashEntry(context_fd, JoinRel(source.path, e.rel), e.path, est, outer));
  }
  return Ok();
}

}  // namespace

Result<std::string> HashContextSources(int context_fd, const std::vector<ContextSource>& sources,
                                       const IgnoreRules& rules) {
  Sha256 outer;
  outer.Update(kHashVersion);
  outer.U64(sources.size());
  for (const ContextSource& source : sources) {
    auto r = HashSource(context_fd, source, rules, outer);
    if (!r) return std::move(r).error().Context("hash " + Quote(source.path));
  }
  return "sha256:" + Hex(outer.Finish());
}

}  // namespace berth::builder
