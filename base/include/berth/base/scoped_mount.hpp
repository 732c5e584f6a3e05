// ScopedMount: a mount that is detached (umount2 MNT_DETACH) when its owner goes away,
// unless Release()d. Move-only.
#pragma once

#include <filesystem>

namespace berth {

class ScopedMount {
 public:
  ScopedMount() = default;
  explicit ScopedMount(std::filesystem::path target) : target_(std::move(target)) {}
  ScopedMount(ScopedMount&& o) noexcept : target_(std::move(o.target_)) { o.target_.clear(); }
  ScopedMount& operator=(ScopedMount&& o) noexcept {
    if (this != &o) {
      Reset();
      target_ = std::move(o.target_);
      o.target_.clear();
    }
    return *this;
  }
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;
  ~ScopedMount() { Reset(); }

  const std::filesystem::path& target() const { return target_; }
  // Keeps the mount; returns its target.
  std::filesystem::path Release() {
    auto t = std::move(target_);
    target_.clear();
    return t;
  }
  void Reset();

 private:
  std::filesystem::path target_;
};

}  // namespace berth
