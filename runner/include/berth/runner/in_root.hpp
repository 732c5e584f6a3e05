// Opening and creating paths inside a container root that cannot lead out of it.
//
// The image is untrusted: any component of a mount target may be a symlink planted to point
// at the host ("/proc -> /etc", "etc/hosts -> ../../../etc/passwd"). Paths are resolved with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) against the root fd, so a symlink is
// followed as if the container root were "/", and mounts are made onto the resulting O_PATH
// fd through /proc/self/fd/N rather than onto a path string (CVE-2021-30465). Missing
// directories are created one component at a time with mkdirat on the parent's fd.
//
// Called in the clone child: no allocation, no exceptions; functions return 0 or an errno.
#pragma once

namespace berth::runner {

// Opens `path` (absolute or relative, interpreted inside the root) as an O_PATH fd.
// `no_symlink` refuses any symlink on the way (ELOOP), as /proc and /sys demand.
int OpenInRoot(int root_fd, const char* path, bool directory, bool no_symlink,
               int* out_fd) noexcept;

// Opens the directory `path` inside the root, creating missing components (mode 0755).
int MakeDirsInRoot(int root_fd, const char* path, bool no_symlink, int* out_fd) noexcept;

// Opens the mountpoint `path`, creating it (a directory, or an empty 0644 file when `file`)
// and its missing parents if needed.
int MountpointInRoot(int root_fd, const char* path, bool file, bool no_symlink,
                     int* out_fd) noexcept;

// Splits `path` into its parent (opened with MakeDirsInRoot) and its last component, copied
// into `name` (at most `name_len` bytes with the NUL). EINVAL for "/" or an empty name.
int ParentInRoot(int root_fd, const char* path, bool no_symlink, int* parent_fd, char* name,
                 unsigned name_len) noexcept;

}  // namespace berth::runner
