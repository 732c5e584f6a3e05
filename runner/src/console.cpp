#include "console.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth::runner {

namespace {

// Binds the slave over /dev/console, creating the mountpoint in the container's /dev tmpfs.
int MountConsole(int slave_fd) noexcept {
  int fd = ::open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  ::close(fd);
  char source[32];
  std::snprintf(source, sizeof source, "/proc/self/fd/%d", slave_fd);
  if (::mount(source, "/dev/console", nullptr, MS_BIND, nullptr) < 0) return errno;
  return 0;
}

// A one-byte message with room for one SCM_RIGHTS descriptor, for sendmsg and recvmsg.
struct FdMessage {
  char byte = 'c';
  struct iovec iov = {&byte, 1};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg = {};
  FdMessage() {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
  FdMessage(const FdMessage&) = delete;
  FdMessage& operator=(const FdMessage&) = delete;
};

}  // namespace

int SendFd(int socket_fd, int fd) noexcept {
  FdMessage m;
  struct msghdr& msg = m.msg;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  while (::sendmsg(socket_fd, &msg, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

int AttachToNewConsole(int socket_fd, const struct winsize& size, bool console_mount, uid_t owner,
                       const char** what) noexcept {
  *what = "open /dev/ptmx";
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return errno;
  int err = 0;
  int unlock = 0;
  int slave = -1;
  if (::ioctl(master, TIOCSPTLCK, &unlock) < 0) {
    *what = "unlock the pty";
    err = errno;
  } else if ((slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
    // TIOCGPTPEER opens the peer of this very master, never a path someone could swap.
    *what = "open the pty slave";
    err = errno;
  }
  // The program's user owns its terminal, as with a login (and runc); the group stays tty.
  if (!err && ::fchown(slave, owner, static_cast<gid_t>(-1)) < 0) {
    *what = "chown the pty slave";
    err = errno;
  }
  if (!err && size.ws_row > 0 && size.ws_col > 0 && ::ioctl(master, TIOCSWINSZ, &size) < 0) {
    *what = "set the window size";
    err = errno;
  }
  if (!err && console_mount && (err = MountConsole(slave)) != 0) *what = "mount /dev/console";
  if (!err && ::setsid() < 0) {
    *what = "start a session";
    err = errno;
  }
  if (!err && ::ioctl(slave, TIOCSCTTY, 0) < 0) {
    *what = "set the controlling terminal";
    err = errno;
  }
  for (int i = 0; !err && i < 3; ++i) {
    if (::dup2(slave, i) < 0) {
      *what = "set up stdio on the pty";
      err = errno;
    }
  }
  if (!err && (err = SendFd(socket_fd, master)) != 0) *what = "send the pty to berth";
  if (slave >= 0) ::close(slave);
  ::close(master);
  return err;
}

Result<UniqueFd> ReceiveConsole(int socket_fd) {
  FdMessage m;
  struct msghdr& msg = m.msg;
  ssize_t n;
  while ((n = ::recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) return SysError("receive the container's pty", errno);
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (n == 0 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
    return MakeError(ErrorCode::kInternal, "receive the container's pty: no descriptor sent");
  }
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return UniqueFd(fd);
}

Result<SocketPair> MakeConsoleSocketPair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
    return SysError("create the console socket", errno);
  }
  return SocketPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace berth::runner
