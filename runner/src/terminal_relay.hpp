// The caller's side of a container's terminal (`-t`): raw mode on berth's own terminal and
// the relay between it and the pty's master.
//
// With `-it` on a terminal, berth's stdin is put in raw mode so every key, Ctrl-C included,
// reaches the container's line discipline (which then signals the container's foreground
// process group), and restored when berth is done. The relay copies the master's output to
// berth's stdout, berth's stdin to the master (with -i), passes window size changes on
// (SIGWINCH), and turns EOF on berth's stdin into the terminal's EOF character. Not
// thread-safe; one per foreground container or exec.
#pragma once

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "berth/base/unique_fd.hpp"

namespace berth::runner {

// The window size of berth's terminal (stdin, stdout or stderr, the first that is one);
// zeros when none is a terminal.
struct winsize CallerWindowSize();

// Puts `fd` in raw mode for the lifetime of this object when it is a terminal; otherwise
// does nothing.
class RawMode {
 public:
  explicit RawMode(int fd);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int fd_ = -1;
  struct termios saved_ = {};
};

class ConsoleRelay {
 public:
  // `master`: the pty's master; `in`: berth's stdin (-1 without -i); `out`: berth's stdout.
  ConsoleRelay(UniqueFd master, int in, int out);
  // Appends the fds to watch to `fds` (room for 2) and returns how many.
  int PollFds(struct pollfd* fds);
  // Moves what is ready according to `fds` (as filled by PollFds and polled).
  void Pump(const struct pollfd* fds, int n);
  // Copies the caller's window size to the pty (on SIGWINCH).
  void Resize();
  // After the program exited: copies the output still in the pty, until the master's end
  // (or 200 ms without data, when another process keeps the terminal open).
  void Drain();

 private:
  bool CopyOutput();  // false at the master's end (EIO once every slave fd is closed)
  void CopyInput();

  UniqueFd master_;
  int in_;
  int out_;
  bool output_open_ = true;
};

}  // namespace berth::runner
