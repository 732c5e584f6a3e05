#include "terminal_relay.hpp"

#include <unistd.h>

#include <cerrno>

namespace berth::runner {

namespace {

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

struct winsize CallerWindowSize() {
  struct winsize ws = {};
  for (int fd = 0; fd < 3; ++fd) {
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) return ws;
  }
  return {};
}

RawMode::RawMode(int fd) {
  if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0) return;
  struct termios raw = saved_;
  ::cfmakeraw(&raw);
  if (::tcsetattr(fd, TCSANOW, &raw) == 0) fd_ = fd;
}

RawMode::~RawMode() {
  if (fd_ >= 0) ::tcsetattr(fd_, TCSANOW, &saved_);
}

ConsoleRelay::ConsoleRelay(UniqueFd master, int in, int out)
    : master_(std::move(master)), in_(in), out_(out) {}

int ConsoleRelay::PollFds(struct pollfd* fds) {
  int n = 0;
  if (output_open_) fds[n++] = {master_.get(), POLLIN, 0};
  if (in_ >= 0) fds[n++] = {in_, POLLIN, 0};
  return n;
}

bool ConsoleRelay::CopyOutput() {
  char buf[16384];
  ssize_t r = ::read(master_.get(), buf, sizeof buf);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (r <= 0) return false;
  (void)WriteAll(out_, buf, static_cast<size_t>(r));
  return true;
}

void ConsoleRelay::CopyInput() {
  char buf[4096];
  ssize_t r = ::read(in_, buf, sizeof buf);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (r > 0 && WriteAll(master_.get(), buf, static_cast<size_t>(r))) return;
  // End of berth's stdin: the program reads EOF, as if Ctrl-D was typed on a fresh line.
  struct termios t;
  char eof = ::tcgetattr(master_.get(), &t) == 0 ? static_cast<char>(t.c_cc[VEOF]) : '\x04';
  (void)WriteAll(master_.get(), &eof, 1);
  in_ = -1;
}

void ConsoleRelay::Pump(const struct pollfd* fds, int n) {
  for (int i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    if (fds[i].fd == master_.get() && output_open_) {
      output_open_ = CopyOutput();
    } else if (fds[i].fd == in_) {
      CopyInput();
    }
  }
}

void ConsoleRelay::Resize() {
  struct winsize ws = CallerWindowSize();
  if (ws.ws_row > 0) ::ioctl(master_.get(), TIOCSWINSZ, &ws);
}

void ConsoleRelay::Drain() {
  // The pty moves data from slave to master asynchronously, so the last output may arrive
  // after the program's exit; the master reads EIO once no process holds the slave. A
  // process that keeps the slave open (a background job of an exec) gets a short grace.
  constexpr int kGraceMs = 200;
  while (output_open_) {
    struct pollfd p = {master_.get(), POLLIN, 0};
    int r = ::poll(&p, 1, kGraceMs);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    output_open_ = CopyOutput();
  }
}

}  // namespace berth::runner
