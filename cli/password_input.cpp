#include "password_input.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iterator>
#include <optional>

namespace berth::cli {

namespace {

// The terminal state to restore when a signal arrives while echo is off.
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
struct termios g_saved;
volatile sig_atomic_t g_echo_off = 0;

void RestoreAndReraise(int sig) {
  if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Echo off for its lifetime; the terminal is restored on destruction or a fatal signal.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &g_saved) != 0) return;
    struct termios t = g_saved;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    t.c_lflag |= ECHONL;  // the newline the user types still shows
    for (size_t i = 0; i < std::size(kSignals); ++i) {
      old_[i] = ::signal(kSignals[i], RestoreAndReraise);
    }
    installed_ = true;
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0) g_echo_off = 1;
  }
  ~EchoOff() {
    if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
    g_echo_off = 0;
    if (!installed_) return;
    for (size_t i = 0; i < std::size(kSignals); ++i) ::signal(kSignals[i], old_[i]);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  sighandler_t old_[std::size(kSignals)] = {};
  bool installed_ = false;
};

// Reads up to a newline (not included) or end of input from fd 0.
Result<std::string> ReadLine(bool* got_any) {
  std::string line;
  *got_any = false;
  for (;;) {
    char c;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError("read stdin", errno);
    if (n == 0) break;
    *got_any = true;
    if (c == '\n') break;
    line += c;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

bool StdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }

Result<std::string> ReadStdinLine() {
  bool got_any = false;
  BERTH_ASSIGN_OR_RETURN(std::string line, ReadLine(&got_any));
  if (!got_any) return MakeError(ErrorCode::kInvalidArgument, "nothing on stdin");
  return line;
}

Result<std::string> Prompt(const std::string& prompt, bool hidden) {
  if (!StdinIsTerminal()) {
    return MakeError(ErrorCode::kInvalidArgument, "stdin is not a terminal to ask on");
  }
  bool got_any = false;
  // Echo goes off before the prompt shows, so nothing typed after it can be echoed.
  std::optional<EchoOff> guard;
  if (hidden) guard.emplace();
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);
  return ReadLine(&got_any);
}

}  // namespace berth::cli
