#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "berth/runner/kernel.hpp"

namespace berth::runner {

namespace {

int Errno(int rc) { return rc < 0 ? errno : 0; }

class Linux final : public Kernel {
 public:
  int Mount(const char* source, const char* target, const char* fstype, unsigned long flags,
            const char* data) override {
    return Errno(::mount(source, target, fstype, flags, data));
  }
  int Umount2(const char* target, int flags) override { return Errno(::umount2(target, flags)); }
  int PivotRoot(const char* new_root, const char* put_old) override {
    return Errno(static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old)));
  }
  int Mknod(int dirfd, const char* name, mode_t mode, dev_t dev) override {
    return Errno(::mknodat(dirfd, name, mode, dev));
  }
  int Sethostname(const char* name, size_t len) override { return Errno(::sethostname(name, len)); }
  int Unshare(int flags) override { return Errno(::unshare(flags)); }
};

}  // namespace

Kernel& LinuxKernel() {
  static Linux k;
  return k;
}

}  // namespace berth::runner
