// Verified streaming blob download (see blob_fetch.hpp).
#include "blob_fetch.hpp"

#include <unistd.h>

#include "berth/base/io.hpp"
#include "berth/store/staged.hpp"

namespace berth::puller {

namespace {

// A stage plus the hash state: survives a broken connection so the download can resume.
class StagingSink : public ResumableSink {
 public:
  StagingSink(store::StagedFile& file, const store::Descriptor& desc,
              const std::function<void(uint64_t)>& on_bytes)
      : file_(file), desc_(desc), on_bytes_(on_bytes) {}

  Result<void> Write(std::span<const std::byte> data) override {
    if (desc_.size >= 0 && size_ + data.size() > static_cast<uint64_t>(desc_.size)) {
      return MakeError(ErrorCode::kDigestMismatch,
                       "more than the expected " + std::to_string(desc_.size) + " bytes");
    }
    FdWriter out(file_.fd());
    BERTH_TRY(out.Write(data));
    sha_.Update(data);
    size_ += data.size();
    if (on_bytes_) on_bytes_(size_);
    return Ok();
  }

  Result<void> Restart() override {
    if (::ftruncate(file_.fd(), 0) < 0) return SysError("truncate " + file_.path().string(), errno);
    if (::lseek(file_.fd(), 0, SEEK_SET) < 0) return SysError("seek " + file_.path().string(), errno);
    sha_ = store::Sha256();
    size_ = 0;
    return Ok();
  }

  uint64_t size() const { return size_; }
  store::Digest Finish() { return sha_.Finish(); }

 private:
  store::StagedFile& file_;
  const store::Descriptor& desc_;
  const std::function<void(uint64_t)>& on_bytes_;
  store::Sha256 sha_;
  uint64_t size_ = 0;
};

}  // namespace

Result<void> FetchBlob(RegistryClient& client, const std::string& repo,
                       const store::Descriptor& desc, store::BlobStore& blobs,
                       const std::function<void(uint64_t)>& on_bytes) {
  if (blobs.Has(desc.digest)) return Ok();
  BERTH_ASSIGN_OR_RETURN(store::StagedFile file, store::StagedFile::Create(blobs.tmp_dir()));
  StagingSink sink(file, desc, on_bytes);
  BERTH_TRY(client.GetBlob(repo, desc.digest, sink));
  if (desc.size >= 0 && sink.size() != static_cast<uint64_t>(desc.size)) {
    return MakeError(ErrorCode::kDigestMismatch,
                     "fetch blob " + desc.digest.String() + ": got " +
                         std::to_string(sink.size()) + " bytes, expected " +
                         std::to_string(desc.size));
  }
  store::Digest got = sink.Finish();
  if (got != desc.digest) {
    return MakeError(ErrorCode::kDigestMismatch, "fetch blob " + desc.digest.String() +
                                                     ": digest mismatch: expected " +
                                                     desc.digest.String() + ", got " +
                                                     got.String());
  }
  auto r = file.Commit(blobs.PathOf(desc.digest));
  if (!r && r.error().code != ErrorCode::kAlreadyExists) return r;
  return Ok();
}

}  // namespace berth::puller
