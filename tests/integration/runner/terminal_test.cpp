// `-t`, `-it` and `exec -t` end to end: berth runs on a pty made here (as a user's terminal),
// the container checks what it sees, and the test plays the user: it types, resizes the
// window and presses Ctrl-C, then checks that berth left the terminal as it found it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "berth/base/unique_fd.hpp"
#include "support/busybox_store_test.hpp"

namespace berth::testing {
namespace {

// berth running with a pty as its controlling terminal and stdio.
class PtySession {
 public:
  PtySession(const std::filesystem::path& root, const std::vector<std::string>& args,
             unsigned short rows, unsigned short cols) {
    struct winsize ws = {rows, cols, 0, 0};
    int master = -1, slave = -1;
    if (::openpty(&master, &slave, nullptr, nullptr, &ws) < 0) return;
    master_.Reset(master);
    slave_.Reset(slave);
    struct termios t;
    ::tcgetattr(slave, &t);
    before_ = t;
    std::vector<std::string> argv = {BERTH_BINARY, "--root", root.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setsid();
      ::ioctl(slave, TIOCSCTTY, 0);
      for (int i = 0; i < 3; ++i) ::dup2(slave, i);
      ::close(master);
      if (slave > 2) ::close(slave);
      ::execv(c[0], c.data());
      ::_exit(127);
    }
  }
  ~PtySession() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return pid_ > 0; }

  // Reads until `text` has appeared in the output or `seconds` pass; returns whether it did.
  bool Expect(const std::string& text, int seconds = 10) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (output_.find(text, seen_) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline || !ReadSome(100)) return false;
    }
    seen_ = output_.find(text, seen_) + text.size();
    return true;
  }
  void Send(const std::string& bytes) {
    ssize_t n [[maybe_unused]] = ::write(master_.get(), bytes.data(), bytes.size());
  }
  void Resize(unsigned short rows, unsigned short cols) {
    struct winsize ws = {rows, cols, 0, 0};
    ::ioctl(master_.get(), TIOCSWINSZ, &ws);  // the kernel signals the foreground group
  }
  // berth's exit code; the rest of its output is read first.
  int Wait() {
    while (ReadSome(100)) {
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  const std::string& output() const { return output_; }
  // Whether the terminal's settings are what they were before berth ran.
  bool TerminalRestored() const {
    struct termios now;
    if (::tcgetattr(slave_.get(), &now) < 0) return false;
    return now.c_lflag == before_.c_lflag && now.c_iflag == before_.c_iflag &&
           now.c_oflag == before_.c_oflag;
  }

 private:
  // Reads what is there within `ms`; false at the end of the output or on a timeout.
  bool ReadSome(int ms) {
    struct pollfd p = {master_.get(), POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return StillRunning();
    char buf[4096];
    ssize_t n = ::read(master_.get(), buf, sizeof buf);
    if (n <= 0) return false;
    output_.append(buf, static_cast<size_t>(n));
    return true;
  }

  // Without reaping it: Wait() wants the status.
  bool StillRunning() const {
    siginfo_t si = {};
    return pid_ > 0 &&
           ::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           si.si_pid == 0;
  }

  UniqueFd master_, slave_;
  struct termios before_ = {};
  pid_t pid_ = -1;
  std::string output_;
  size_t seen_ = 0;
};

class TerminalTest : public BusyboxStoreTest {};

TEST_F(TerminalTest, DashTGivesAPtyOfTheContainerAsStdioAndConsole) {
  // The caller's stdin is /dev/null here: -t still makes the container's stdio a terminal.
  std::string out =
      Sh("tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; "
         "[ /dev/console -ef /dev/pts/0 ] && echo console; echo $TERM",
         {"-t"});
  // The pty's line discipline turns \n into \r\n, as on any terminal.
  EXPECT_EQ(out, "/dev/pts/0\r\nall-tty\r\nconsole\r\nxterm\r\n");
  // Without -t, nothing is a terminal and stderr stays apart from stdout.
  auto r = Berth({"run", "--rm", kBusybox, "sh", "-c", "tty; [ -t 1 ] || echo out; echo err >&2"});
  EXPECT_EQ(r.out, "not a tty\nout\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST_F(TerminalTest, InteractiveTerminalIsRawSizedAndResized) {
  PtySession s(Root(),
               {"run", "--rm", "-it", kBusybox, "sh", "-c",
                "stty size; trap 'stty size' WINCH; echo READY; read line; echo got:$line; "
                "sleep 0.5; echo DONE"},
               33, 111);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s.Expect("33 111\r\n")) << s.output();
  ASSERT_TRUE(s.Expect("READY")) << s.output();
  s.Send("hello\r");
  // In raw mode only the container's terminal echoes: "hello" appears once before got:.
  EXPECT_TRUE(s.Expect("got:hello\r\n")) << s.output();
  EXPECT_EQ(s.output().find("hello"), s.output().rfind("hello", s.output().find("got:")))
      << s.output();
  s.Resize(44, 122);
  EXPECT_TRUE(s.Expect("44 122\r\n")) << s.output();
  EXPECT_TRUE(s.Expect("DONE")) << s.output();
  EXPECT_EQ(s.Wait(), 0) << s.output();
  EXPECT_TRUE(s.TerminalRestored());
  EXPECT_TRUE(ContainerDirs().empty());
}

TEST_F(TerminalTest, CtrlCReachesTheProgram) {
  // With --init the program is not PID 1, so SIGINT from the terminal ends it (130).
  PtySession s(Root(),
               {"run", "--rm", "-it", "--init", kBusybox, "sh", "-c", "echo READY; sleep 60"}, 24,
               80);
  ASSERT_TRUE(s.Expect("READY")) << s.output();
  s.Send("\x03");
  EXPECT_EQ(s.Wait(), 130) << s.output();
  EXPECT_TRUE(s.TerminalRestored());
  // Without --init, a shell that traps INT sees it too: the key went to the container.
  PtySession t(Root(),
               {"run", "--rm", "-it", kBusybox, "sh", "-c",
                "trap 'echo caught; exit 7' INT; echo READY; while :; do sleep 0.1; done"},
               24, 80);
  ASSERT_TRUE(t.Expect("READY")) << t.output();
  t.Send("\x03");
  EXPECT_TRUE(t.Expect("caught")) << t.output();
  EXPECT_EQ(t.Wait(), 7) << t.output();
}

TEST_F(TerminalTest, ExecTAndDetachedTLogs) {
  auto r = Berth({"run", "-d", "-t", "--name", "tty-d", kBusybox, "sh", "-c", "tty; sleep 60"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string log;
  for (int i = 0; i < 100 && log.find("/dev/pts/0") == std::string::npos; ++i) {
    ::usleep(50000);
    log = Berth({"logs", "tty-d"}).out;
  }
  EXPECT_EQ(log, "/dev/pts/0\r\n");
  // exec -t gets a pty of its own in the container's devpts.
  EXPECT_EQ(BerthOk({"exec", "-t", "tty-d", "tty"}), "/dev/pts/1\r\n");
  EXPECT_EQ(Berth({"exec", "tty-d", "tty"}).out, "not a tty\n");
  PtySession s(Root(), {"exec", "-it", "tty-d", "sh", "-c", "read x; echo got:$x"}, 24, 80);
  s.Send("typed\r");
  EXPECT_TRUE(s.Expect("got:typed\r\n")) << s.output();
  EXPECT_EQ(s.Wait(), 0);
  EXPECT_TRUE(s.TerminalRestored());
  BerthOk({"rm", "-f", "tty-d"});
  EXPECT_TRUE(ContainerDirs().empty());
}

}  // namespace
}  // namespace berth::testing
