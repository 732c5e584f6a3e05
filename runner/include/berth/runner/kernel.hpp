// Kernel: the runner's privileged system calls, behind one seam.
//
// The container setup (container_setup.hpp) makes every mount, pivot_root, mknod and
// sethostname through this interface, so a unit test can run the whole sequence with a
// fake that records the arguments and needs no root. Methods return 0 or an errno and never
// allocate: they are called in the clone child between clone(2) and execve(2).
// LinuxKernel() is the real implementation (stateless, thread-safe).
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace berth::runner {

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual int Mount(const char* source, const char* target, const char* fstype, unsigned long flags,
                    const char* data) = 0;
  virtual int Umount2(const char* target, int flags) = 0;
  virtual int PivotRoot(const char* new_root, const char* put_old) = 0;
  virtual int Mknod(int dirfd, const char* name, mode_t mode, dev_t dev) = 0;
  virtual int Sethostname(const char* name, size_t len) = 0;
  virtual int Unshare(int flags) = 0;
};

// The real system calls.
Kernel& LinuxKernel();

}  // namespace berth::runner
