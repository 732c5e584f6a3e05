// berth-monitor: owns one detached container, as conmon does for podman.
//
//   berth-monitor LOG EXIT_FILE LAUNCHER... -- CLEANUP...
//
// It becomes a child subreaper in a session of its own, starts LAUNCHER with stdout and
// stderr on two pipes (and a socket, BERTH_CONSOLE_FD in its environment, on which the pty
// master of a -t container arrives), and copies what arrives into LOG, one record per line
// in the k8s-file format podman uses ("<RFC 3339 time> stdout F <text>"). LAUNCHER (berth
// internal-launch) sets the container up and exits; the container's first process is then
// re-parented to this monitor, which reaps it, writes its exit code to EXIT_FILE (atomically:
// a temp file renamed) and finally executes CLEANUP (berth internal-cleanup), which records
// the exit and removes what the container used.
//
// The monitor lives as long as its container, so it is static, allocates nothing after
// start-up and keeps three 32 KiB buffers: its resident set stays well under 2 MiB.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

constexpr size_t kBuf = 32 * 1024;

struct Stream {
  const char* name;
  int fd;
  char buf[kBuf];
  size_t len;
};

int log_fd = -1;

void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // a full disk loses log lines, never the container
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// One record: "<time> <stream> <F|P> <text>\n".
void Record(const char* stream, bool full, const char* text, size_t n) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char head[96];
  int h = snprintf(head, sizeof head, "%04d-%02d-%02dT%02d:%02d:%02d.%09ld+00:00 %s %c ",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   ts.tv_nsec, stream, full ? 'F' : 'P');
  // One write per record keeps records whole for a reader tailing the file.
  static char line[kBuf + 128];
  memcpy(line, head, static_cast<size_t>(h));
  memcpy(line + h, text, n);
  line[static_cast<size_t>(h) + n] = '\n';
  WriteAll(log_fd, line, static_cast<size_t>(h) + n + 1);
}

// Emits every complete line in the buffer; a full buffer without a newline, or the rest at
// EOF, goes out as a partial record.
void Drain(Stream& s, bool eof) {
  size_t start = 0;
  for (size_t i = 0; i < s.len; ++i) {
    if (s.buf[i] != '\n') continue;
    Record(s.name, true, s.buf + start, i - start);
    start = i + 1;
  }
  if (start < s.len && (eof || (start == 0 && s.len == kBuf))) {
    Record(s.name, false, s.buf + start, s.len - start);
    start = s.len;
  }
  memmove(s.buf, s.buf + start, s.len - start);
  s.len -= start;
}

pid_t launcher_pid = -1;
int launcher_status = -1;  // -1: not reaped yet

// Reaps the launcher as soon as it exits, so it never lingers as a zombie beside the
// container; the container itself is reaped only after its output ends.
void ReapLauncher() {
  if (launcher_status >= 0) return;
  int status = 0;
  if (waitpid(launcher_pid, &status, WNOHANG) == launcher_pid) launcher_status = status;
}

// A container with a terminal (-t) writes to a pty whose master the launcher sends over
// the console socket (SCM_RIGHTS) before it exits; the master then becomes the stdout stream.
// Closes the socket at its end.
void ReceiveConsole(int* socket_fd, Stream& console) {
  char byte = 0;
  struct iovec iov = {&byte, 1};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = recvmsg(*socket_fd, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0 && errno == EINTR) return;
  struct cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && console.fd < 0) {
    memcpy(&console.fd, CMSG_DATA(c), sizeof console.fd);
    return;
  }
  close(*socket_fd);
  *socket_fd = -1;
}

// Copies the streams into the log until all are closed; the last stream is the console,
// which arrives on `console_socket` (if at all).
void CopyOutput(Stream* streams, int n, int console_socket) {
  for (;;) {
    ReapLauncher();
    struct pollfd fds[4];
    int open = 0;
    for (int i = 0; i < n; ++i) {
      fds[i] = {streams[i].fd, POLLIN, 0};
      if (streams[i].fd >= 0) ++open;
    }
    fds[n] = {console_socket, POLLIN, 0};
    if (console_socket >= 0) ++open;
    if (open == 0) return;
    if (poll(fds, static_cast<nfds_t>(n + 1), launcher_status < 0 ? 100 : -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (console_socket >= 0 && (fds[n].revents & (POLLIN | POLLHUP | POLLERR))) {
      ReceiveConsole(&console_socket, streams[n - 1]);
    }
    for (int i = 0; i < n; ++i) {
      Stream& s = streams[i];
      if (s.fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = read(s.fd, s.buf + s.len, kBuf - s.len);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) {
        Drain(s, true);
        close(s.fd);
        s.fd = -1;
        continue;
      }
      s.len += static_cast<size_t>(r);
      Drain(s, false);
    }
  }
}

void WriteExitFile(const char* path, int code) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  char text[32];
  int n = snprintf(text, sizeof text, "%d\n", code);
  WriteAll(fd, text, static_cast<size_t>(n));
  fsync(fd);
  close(fd);
  rename(tmp, path);
}

}  // namespace

int main(int argc, char** argv) {
  int sep = 0;
  for (int i = 3; i < argc; ++i) {
    if (strcmp(argv[i], "--") == 0) sep = i;
  }
  if (argc < 6 || sep <= 3 || sep == argc - 1) {
    fprintf(stderr, "usage: berth-monitor LOG EXIT_FILE LAUNCHER... -- CLEANUP...\n");
    return 2;
  }
  argv[sep] = nullptr;
  char** launcher = argv + 3;
  char** cleanup = argv + sep + 1;
  setsid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  if (chdir("/") < 0) return 1;
  signal(SIGPIPE, SIG_IGN);
  log_fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    perror("berth-monitor: open log");
    return 1;
  }
  int out[2], err[2], console[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) return 1;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) return 1;
  launcher_pid = fork();
  if (launcher_pid < 0) return 1;
  if (launcher_pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) dup2(null, 0);
    fcntl(console[1], F_SETFD, 0);
    char fd_text[16];
    snprintf(fd_text, sizeof fd_text, "%d", console[1]);
    setenv("BERTH_CONSOLE_FD", fd_text, 1);
    execv(launcher[0], launcher);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  close(console[1]);
  // Only the launcher needed what berth passed down (the ready pipe): keep nothing else, so
  // `berth run -d` sees EOF on it once the launcher is done.
  for (int fd = 3; fd < 1024; ++fd) {
    if (fd != log_fd && fd != out[0] && fd != err[0] && fd != console[0]) close(fd);
  }
  static Stream streams[3] = {{"stdout", -1, {}, 0}, {"stderr", -1, {}, 0}, {"stdout", -1, {}, 0}};
  streams[0].fd = out[0];
  streams[1].fd = err[0];
  CopyOutput(streams, 3, console[0]);
  // Reap everything: the launcher, then the container's first process once it exits (the
  // pipes can close earlier if the container closes its stdout and stderr).
  bool have_exit = false;
  int code = 0;
  if (launcher_status >= 0 && (!WIFEXITED(launcher_status) || WEXITSTATUS(launcher_status) != 0)) {
    return 1;  // it reported the failure to berth run already
  }
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pid == launcher_pid) {
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;  // it reported already
      continue;
    }
    have_exit = true;
    code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }
  if (!have_exit) return 1;
  WriteExitFile(argv[2], code);
  close(log_fd);
  execv(cleanup[0], cleanup);
  return 1;
}
