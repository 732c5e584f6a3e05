// The container's terminal (`-t`): a pty created inside the container, its master handed
// to berth.
//
// The pty must come from the container's own devpts instance (mounted at /dev/pts by the
// plan), so that the program's tty is /dev/pts/0 inside the container and `tty`, `ps` and
// job control work there; a pty of the host's devpts would have no name in the container.
// So the process that will become the container's program opens /dev/ptmx after pivot_root
// (or after joining the mount namespace, for exec), makes the slave its controlling
// terminal and stdio, and sends the master over a unix socket to berth (SCM_RIGHTS), as
// runc's and crun's --console-socket do.
//
// The child-side functions run between clone/fork and execve: no allocation; they return 0
// or an errno. ReceiveConsole allocates and runs in berth.
#pragma once

#include <sys/ioctl.h>
#include <sys/types.h>

#include "berth/base/result.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::runner {

// Child side: opens a new pty pair from /dev/ptmx, gives the slave to `owner` (the
// program's uid), sets its window size (when `size` has rows and columns), starts a new session
// with the slave as controlling terminal and stdin, stdout and stderr, bind-mounts the slave over
// /dev/console when `console_mount` (a new container; exec processes leave it alone), sends the
// master over `socket_fd` and closes its own copies. `what` names the failed step.
int AttachToNewConsole(int socket_fd, const struct winsize& size, bool console_mount, uid_t owner,
                       const char** what) noexcept;

// Sends `fd` over the unix socket `socket_fd` (SCM_RIGHTS). Returns 0 or an errno;
// allocation-free.
int SendFd(int socket_fd, int fd) noexcept;

// Berth side: receives the master sent by AttachToNewConsole (or SendFd) on `socket_fd`.
Result<UniqueFd> ReceiveConsole(int socket_fd);

// A connected pair of unix stream sockets, both close-on-exec.
struct SocketPair {
  UniqueFd berth_end;
  UniqueFd child_end;
};
Result<SocketPair> MakeConsoleSocketPair();

}  // namespace berth::runner
