#include "berth/store/digest.hpp"

#include <openssl/evp.h>

#include <cstdlib>

namespace berth::store {

namespace {
bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

Result<Digest> Digest::FromHex(std::string_view hex) {
  if (hex.size() != 64 || !IsLowerHex(hex)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid sha256 digest " + std::string(hex.substr(0, 80)));
  }
  return Digest(std::string(hex));
}

Result<Digest> Digest::Parse(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid digest '" + std::string(text.substr(0, 80)) + "': no algorithm");
  }
  std::string_view alg = text.substr(0, colon);
  if (alg != "sha256") {
    return MakeError(ErrorCode::kUnsupported,
                     "unsupported digest algorithm '" + std::string(alg.substr(0, 20)) + "'");
  }
  return FromHex(text.substr(colon + 1));
}

Digest Digest::Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

ChainId ComputeChainId(const std::vector<DiffId>& diff_ids) {
  if (diff_ids.empty()) return ChainId();
  Digest chain = diff_ids[0].digest();
  for (size_t i = 1; i < diff_ids.size(); ++i) {
    chain = Digest::Of(chain.String() + " " + diff_ids[i].String());
  }
  return ChainId(chain);
}

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
  Impl() : ctx(EVP_MD_CTX_new()) {
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) std::abort();
  }
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::Update(std::span<const std::byte> data) {
  EVP_DigestUpdate(impl_->ctx, data.data(), data.size());
}

Digest Sha256::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string hex(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    hex[2 * i] = kHex[md[i] >> 4];
    hex[2 * i + 1] = kHex[md[i] & 15];
  }
  return Digest(std::move(hex));
}

Result<void> HashingWriter::Write(std::span<const std::byte> data) {
  sha_.Update(data);
  size_ += data.size();
  if (next_) return next_->Write(data);
  return Ok();
}

Result<size_t> HashingReader::Read(std::span<std::byte> buf) {
  BERTH_ASSIGN_OR_RETURN(size_t n, src_.Read(buf));
  if (hash_) sha_.Update(std::span<const std::byte>(buf.data(), n));
  size_ += n;
  return n;
}

}  // namespace berth::store
