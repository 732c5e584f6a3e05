// berth-init: the minimal init that `berth run --init` puts at PID 1, as podman's catatonit
// and docker's tini.
//
//   berth-init --exec PATH -- ARGV0 [ARG...]
//
// A process that is PID 1 of a pid namespace gets no signal whose disposition is the default
// (kill(2) from inside the namespace is dropped, from outside only SIGKILL and SIGSTOP pass),
// and it inherits every orphan of the container. Programs not written to be an init (a shell
// script, `sleep`) then ignore `berth stop` and leave zombies. berth-init starts PATH as its
// only child, in a process group of its own that becomes the terminal's foreground group, so
// Ctrl-C on a -t container reaches the program and not the init. It forwards every signal it
// receives to that child, reaps every process that exits, and when the child exits, exits with
// its status (128 + N for a child killed by signal N).
//
// berth executes it from a sealed memfd, so it needs no file in the container and the
// container cannot reach the binary on the host through /proc/1/exe. Static and free of
// berth's libraries, like berth-monitor.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

void NoOp(int) {}

// Signals this init passes on. The stop signals from a terminal are left to the default
// (stop would freeze the whole container), as tini does.
bool Forwarded(int sig) {
  return sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN &&
         sig != SIGTTOU;
}

[[noreturn]] void StartChild(const char* path, char** argv, const sigset_t& old_mask) {
  // Own process group, and the foreground one on a terminal: signals typed at the terminal
  // go to the program (SIGTTOU is still blocked, so tcsetpgrp does not stop us).
  setpgid(0, 0);
  if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpid());
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  execv(path, argv);
  int err = errno;
  fprintf(stderr, "berth-init: exec %s: %s\n", path, strerror(err));
  _exit(err == ENOENT ? 127 : 126);
}

int ExitCodeOf(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || strcmp(argv[1], "--exec") != 0 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: berth-init --exec PATH -- ARGV0 [ARG...]\n");
    return 125;
  }
  const char* path = argv[2];
  char** child_argv = argv + 4;
  // A handler makes a signal deliverable to PID 1; blocking it makes sigwaitinfo the only
  // place it arrives.
  sigset_t all, old_mask;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old_mask);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = NoOp;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &sa, nullptr);
  }
  pid_t child = fork();
  if (child < 0) {
    perror("berth-init: fork");
    return 125;
  }
  if (child == 0) StartChild(path, child_argv, old_mask);
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue;  // EINTR
    if (sig != SIGCHLD) {
      if (Forwarded(sig)) kill(child, sig);
      continue;
    }
    // Reap everything that exited: the child and any orphan re-parented to us.
    for (;;) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == child) return ExitCodeOf(status);
    }
  }
}
