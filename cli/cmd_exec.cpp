// berth exec [-it] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]
#include "berth/runner/container_exec.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct ExecFlags {
  runner::ExecOptions exec;
  std::string user, workdir;
};

int Run(const GlobalOptions& g, ExecFlags f, const std::vector<std::string>& rest) {
  if (rest.size() < 2) {
    return Fail("exec",
                MakeError(ErrorCode::kInvalidArgument, "a container and a command are required"));
  }
  auto root = StoreRoot(g);
  runner::ContainerStore containers(root);
  auto rec = containers.Find(rest[0]);
  if (!rec) return Fail("exec " + rest[0], rec.error());
  f.exec.command.assign(rest.begin() + 1, rest.end());
  if (!f.user.empty()) f.exec.user = f.user;
  if (!f.workdir.empty()) f.exec.workdir = f.workdir;
  int failure = kExitBerthFailed;
  auto code = runner::ExecInContainer(root, *rec, f.exec, &failure);
  if (!code) {
    Fail("exec " + rest[0], code.error());
    return failure;
  }
  return *code;
}

}  // namespace

void RegisterExec(CLI::App& parent, Invocation& inv) {
  auto f = std::make_shared<ExecFlags>();
  CLI::App* cmd = parent.add_subcommand("exec", "Run a process in a running container");
  cmd->prefix_command();
  cmd->add_flag("-i,--interactive", f->exec.interactive, "Keep stdin open");
  cmd->add_flag("-t,--tty", f->exec.tty, "Allocate a pseudo-terminal");
  cmd->add_option("-e,--env", f->exec.env, "Set an environment variable (KEY=VALUE)")
      ->allow_extra_args(false);
  cmd->add_option("-u,--user", f->user, "User (name|uid[:group|gid])");
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->callback([&inv, f, cmd] {
    auto rest = cmd->remaining();
    inv.action = [&inv, f, rest] { return Run(inv.global, *f, rest); };
  });
}

}  // namespace berth::cli
