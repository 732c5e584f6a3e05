#include "berth/store/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/store/staged.hpp"

namespace berth::store {

BlobStore::BlobStore(fs::path root) : root_(std::move(root)) {}

fs::path BlobStore::PathOf(const Digest& d) const { return root_ / "blobs" / "sha256" / d.hex(); }

bool BlobStore::Has(const Digest& d) const {
  return ::access(PathOf(d).c_str(), F_OK) == 0;
}

Result<uint64_t> BlobStore::Size(const Digest& d) const {
  struct stat st;
  if (::stat(PathOf(d).c_str(), &st) < 0) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "blob " + d.String() + " not found");
    return SysError("stat blob " + d.String(), errno);
  }
  return static_cast<uint64_t>(st.st_size);
}

Result<UniqueFd> BlobStore::Open(const Digest& d) const {
  int fd = ::open(PathOf(d).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "blob " + d.String() + " not found");
    return SysError("open blob " + d.String(), errno);
  }
  return UniqueFd(fd);
}

Result<std::string> BlobStore::Read(const Digest& d, uint64_t max_bytes) const {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, Open(d));
  FdReader reader(fd.get());
  auto data = ReadAll(reader, max_bytes);
  if (!data) return std::move(data).error().Context("read blob " + d.String());
  return data;
}

Result<void> BlobStore::Ingest(Reader& in, const Digest& expected, int64_t expected_size) {
  if (Has(expected)) return Ok();
  BERTH_ASSIGN_OR_RETURN(StagedFile staged, StagedFile::Create(tmp_dir()));
  Sha256 sha;
  uint64_t total = 0;
  std::vector<std::byte> buf(1 << 20);
  FdWriter out(staged.fd());
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(size_t n, in.Read(buf));
    if (n == 0) break;
    total += n;
    if (expected_size >= 0 && total > static_cast<uint64_t>(expected_size)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "blob " + expected.Short() + ": more than the expected " +
                           std::to_string(expected_size) + " bytes");
    }
    std::span<const std::byte> chunk(buf.data(), n);
    sha.Update(chunk);
    BERTH_TRY(out.Write(chunk));
  }
  if (expected_size >= 0 && total != static_cast<uint64_t>(expected_size)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "blob " + expected.Short() + ": got " + std::to_string(total) +
                         " bytes, expected " + std::to_string(expected_size));
  }
  Digest got = sha.Finish();
  if (got != expected) {
    return MakeError(ErrorCode::kDigestMismatch, "blob " + expected.Short() +
                                                     ": digest mismatch (got " + got.String() + ")");
  }
  auto r = staged.Commit(PathOf(expected));
  if (!r && r.error().code != ErrorCode::kAlreadyExists) return r;
  return Ok();
}

Result<Digest> BlobStore::Put(std::string_view data) {
  Digest d = Digest::Of(data);
  MemoryReader reader(data);
  BERTH_TRY(Ingest(reader, d, static_cast<int64_t>(data.size())));
  return d;
}

Result<void> BlobStore::Remove(const Digest& d) {
  if (::unlink(PathOf(d).c_str()) < 0 && errno != ENOENT) {
    return SysError("remove blob " + d.String(), errno);
  }
  return Ok();
}

Result<std::vector<Digest>> BlobStore::List() const {
  BERTH_ASSIGN_OR_RETURN(auto names, ListDir(root_ / "blobs" / "sha256"));
  std::vector<Digest> out;
  for (const auto& n : names) {
    auto d = Digest::FromHex(n);
    if (d) out.push_back(*d);  // anything else is not ours; GC leaves it alone
  }
  return out;
}

}  // namespace berth::store
