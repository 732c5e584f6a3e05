// The -t plumbing without a container: a child makes a new pty its terminal and sends the
// master over a socket (console.hpp); the relay moves keys in and output out
// (terminal_relay.hpp). Needs /dev/ptmx, not root.
#include "console.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "terminal_relay.hpp"

namespace berth::runner {
namespace {

std::string ReadFor(int fd, int ms) {
  std::string out;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return out;
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

TEST(ConsoleTest, ChildGetsANewControllingTerminalAndBerthItsMaster) {
  auto pair = MakeConsoleSocketPair();
  ASSERT_TRUE(pair);
  std::fflush(stdout);  // or the child writes gtest's buffered lines to the pty too
  pid_t pid = ::fork();
  if (pid == 0) {
    struct winsize ws = {12, 34, 0, 0};
    const char* what = "";
    if (AttachToNewConsole(pair->child_end.get(), ws, false, ::getuid(), &what) != 0) _exit(99);
    struct winsize seen = {};
    ::ioctl(0, TIOCGWINSZ, &seen);
    // Our session, our terminal, on every stdio fd.
    bool ok = ::isatty(0) && ::isatty(1) && ::isatty(2) && ::tcgetsid(0) == ::getpid();
    std::printf("%s %d %d\n", ok ? "tty" : "no", seen.ws_row, seen.ws_col);
    std::fflush(stdout);
    _exit(0);
  }
  pair->child_end.Reset();
  auto master = ReceiveConsole(pair->berth_end.get());
  ASSERT_TRUE(master) << master.error().ToString();
  std::string out = ReadFor(master->get(), 2000);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(out, "tty 12 34\r\n");
}

TEST(ConsoleTest, ReceiveWithoutADescriptorIsAnError) {
  auto pair = MakeConsoleSocketPair();
  ASSERT_TRUE(pair);
  pair->child_end.Reset();  // the child died before sending
  auto master = ReceiveConsole(pair->berth_end.get());
  ASSERT_FALSE(master);
  EXPECT_NE(master.error().message.find("no descriptor"), std::string::npos);
}

TEST(ConsoleRelayTest, MovesInputOutputAndEndOfInput) {
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  struct termios t;
  ::tcgetattr(slave, &t);
  ::cfmakeraw(&t);      // the "container" side echoes nothing, so the test sees only relayed bytes
  t.c_lflag |= ICANON;  // but it still knows the EOF character
  ::tcsetattr(slave, TCSANOW, &t);
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  ConsoleRelay relay{UniqueFd(master), in[0], out[1]};
  ASSERT_EQ(::write(in[1], "keys\n", 5), 5);
  ASSERT_EQ(::write(slave, "screen", 6), 6);
  ::close(in[1]);
  std::string at_slave;
  for (int round = 0; round < 20 && at_slave.find("keys") == std::string::npos; ++round) {
    struct pollfd fds[2];
    int n = relay.PollFds(fds);
    ASSERT_GE(::poll(fds, static_cast<nfds_t>(n), 200), 0);
    relay.Pump(fds, n);
    at_slave += ReadFor(slave, 10);
  }
  EXPECT_NE(at_slave.find("keys"), std::string::npos) << at_slave;
  // Stdin's end became the terminal's EOF: a read on the slave now returns 0 bytes.
  for (int round = 0; round < 5; ++round) {
    struct pollfd fds[2];
    int n = relay.PollFds(fds);
    ::poll(fds, static_cast<nfds_t>(n), 50);
    relay.Pump(fds, n);
  }
  char c;
  EXPECT_EQ(::read(slave, &c, 1), 0);
  ::close(slave);  // the container is gone: Drain copies the rest and stops at the end
  relay.Drain();
  ::close(out[1]);
  EXPECT_EQ(ReadFor(out[0], 100), "screen");
  ::close(out[0]);
  ::close(in[0]);
}

}  // namespace
}  // namespace berth::runner
