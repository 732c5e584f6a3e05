#include "berth/runner/container_exec.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "berth/base/fs.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/runner/cgroup_layout.hpp"
#include "berth/runner/container_cgroup.hpp"
#include "berth/runner/container_control.hpp"
#include "berth/runner/exec_path.hpp"
#include "berth/runner/launch.hpp"
#include "berth/runner/privileges.hpp"
#include "berth/runner/run_options.hpp"
#include "berth/store/store.hpp"
#include "console.hpp"
#include "container_prepare.hpp"
#include "foreground_wait.hpp"
#include "terminal_relay.hpp"

namespace berth::runner {

namespace {

constexpr int kJoinFlags =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWCGROUP;

std::vector<char*> CArray(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<int> ExecInContainer(const std::filesystem::path& store_root, const ContainerRecord& rec,
                            const ExecOptions& o, int* failure_exit_code) {
  if (failure_exit_code) *failure_exit_code = 125;
  if (o.command.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "exec: no command given");
  }
  ContainerStore containers(store_root);
  BERTH_ASSIGN_OR_RETURN(ContainerState state, containers.LoadState(rec.id));
  UniqueFd pidfd = OpenContainerProcess(rec, state);
  if (!pidfd) {
    return MakeError(ErrorCode::kInvalidArgument, "container " + rec.name + " is not running");
  }
  BERTH_ASSIGN_OR_RETURN(RunOptions run, RunOptionsFromJson(rec.config_json));
  store::ImageView view;
  {
    BERTH_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(store_root));
    BERTH_ASSIGN_OR_RETURN(store::ImageRecord image, store.FindImage(rec.image_id));
    BERTH_ASSIGN_OR_RETURN(view, store.ReadImage(image));
  }
  BERTH_ASSIGN_OR_RETURN(CgroupLayout layout, DetectCgroupLayout());
  BERTH_ASSIGN_OR_RETURN(ContainerCgroup cgroup, ContainerCgroup::Open(layout, "berth/" + rec.id));
  // The cgroup first: a process that joined the cgroup namespace can no longer name the
  // container's cgroup by its host path.
  BERTH_TRY(cgroup.AddProcess(::getpid()));
  int flags = kJoinFlags | (run.network == NetworkMode::kNone ? CLONE_NEWNET : 0);
  if (::setns(pidfd.get(), flags) < 0) return SysError("join the container's namespaces", errno);

  ProcessOverrides overrides = run.process;
  overrides.entrypoint = "";
  overrides.command = o.command;
  overrides.tty = o.tty;
  overrides.env.insert(overrides.env.end(), o.env.begin(), o.env.end());
  if (o.user) overrides.user = o.user;
  if (o.workdir) overrides.workdir = o.workdir;
  overrides.hostname = rec.hostname;
  BERTH_ASSIGN_OR_RETURN(UniqueFd root, Open("/", O_PATH | O_DIRECTORY));
  BERTH_ASSIGN_OR_RETURN(ProcessSpec p,
                         ResolveProcess(view.config.config, overrides, root.get(), CallerEnv()));
  std::vector<std::string> candidates = ExecCandidates(p.argv.front(), PathFromEnv(p.env));
  std::vector<char*> argv = CArray(p.argv);
  std::vector<char*> envp = CArray(p.env);
  BERTH_ASSIGN_OR_RETURN(
      Privileges privileges,
      PreparePrivileges(PrivilegeOptionsOf(run), store_root / "cache" / "seccomp"));
  UniqueFd devnull;
  if (!o.interactive && !o.tty) {
    BERTH_ASSIGN_OR_RETURN(devnull, Open("/dev/null", O_RDONLY));
  }
  SocketPair console_socket;
  if (o.tty) {
    BERTH_ASSIGN_OR_RETURN(console_socket, MakeConsoleSocketPair());
  }
  struct winsize window = CallerWindowSize();
  std::optional<RawMode> raw;
  if (o.tty && o.interactive) raw.emplace(STDIN_FILENO);

  ForwardedSignals signals;
  int child_pidfd = -1;
  // The child is the first of this process's children in the container's pid namespace.
  long pid = ::syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, nullptr, &child_pidfd, nullptr, 0);
  if (pid < 0) return SysError("start exec process", errno);
  if (pid == 0) {
    if (devnull) ::dup2(devnull.get(), 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const gid_t* groups = p.additional_gids.empty() ? nullptr : p.additional_gids.data();
    const char* step = "set up process";
    int err = ::chdir(p.cwd.c_str()) < 0 ? errno : 0;
    if (!err && console_socket.child_end) {
      err = AttachToNewConsole(console_socket.child_end.get(), window, false, p.uid, &step);
    }
    if (!err) err = ApplyPrivilegesBeforeIds(privileges, &step);
    if (!err && (::setgroups(p.additional_gids.size(), groups) < 0 ||
                 ::setresgid(p.gid, p.gid, p.gid) < 0 || ::setresuid(p.uid, p.uid, p.uid) < 0)) {
      err = errno;
    }
    if (!err) err = ApplyPrivilegesAfterIds(privileges, p.uid == 0, &step);
    if (err) {
      std::fprintf(stderr, "berth: exec %s: %s: %s\n", p.argv[0].c_str(), step, ::strerror(err));
      ::_exit(125);
    }
    err = ExecSearch(p.argv[0].c_str(), candidates, argv.data(), envp.data());
    if (err == ENOENT) {
      std::fprintf(stderr, "berth: exec %s: executable file not found in $PATH\n",
                   p.argv[0].c_str());
    } else {
      std::fprintf(stderr, "berth: exec %s: %s\n", p.argv[0].c_str(), ::strerror(err));
    }
    ::_exit(ExitCodeForExecErrno(err));
  }
  ContainerProcess process(static_cast<pid_t>(pid), UniqueFd(child_pidfd));
  std::optional<ConsoleRelay> relay;
  if (console_socket.berth_end) {
    console_socket.child_end.Reset();
    // Without a pty (the child failed before it made one) its error is on our stderr and
    // its exit code says the rest.
    if (auto master = ReceiveConsole(console_socket.berth_end.get())) {
      relay.emplace(std::move(*master), o.interactive ? STDIN_FILENO : -1, STDOUT_FILENO);
    }
  }
  BERTH_ASSIGN_OR_RETURN(ExitStatus status, signals.Wait(process, relay ? &*relay : nullptr));
  return ExitCodeOf(status);
}

}  // namespace berth::runner
