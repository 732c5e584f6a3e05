// berth run [flags] IMAGE [COMMAND [ARG...]]: run a container from a stored image.
#include <cstdio>

#include "berth/runner/run.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct RunFlags {
  runner::RunOptions run;
  std::string entrypoint;
  bool entrypoint_set = false;
  std::vector<std::string> env_files;
  std::string network = "none";
};

int Run(const GlobalOptions& g, RunFlags f, std::vector<std::string> rest) {
  if (rest.empty()) {
    return Fail("run", MakeError(ErrorCode::kInvalidArgument, "an image is required"));
  }
  runner::RunOptions& o = f.run;
  o.image = rest.front();
  o.process.command.assign(rest.begin() + 1, rest.end());
  if (f.entrypoint_set) o.process.entrypoint = f.entrypoint;
  o.process.env_files.assign(f.env_files.begin(), f.env_files.end());
  if (f.network == "none") {
    o.network = runner::NetworkMode::kNone;
  } else if (f.network == "host") {
    o.network = runner::NetworkMode::kHost;
  } else {
    return Fail("run " + o.image,
                MakeError(ErrorCode::kUnsupported, "network " + f.network + ": not supported",
                          "use --network none or --network host"));
  }
  std::fflush(stdout);
  int failure_code = kExitBerthFailed;
  auto root = g.root.empty() ? store::DefaultRoot() : std::filesystem::path(g.root);
  auto code = runner::RunContainer(root, o, &failure_code);
  if (!code) {
    Fail(code.error());
    return failure_code;
  }
  return *code;
}

}  // namespace

void RegisterRun(CLI::App& parent, Invocation& inv) {
  auto f = std::make_shared<RunFlags>();
  CLI::App* cmd = parent.add_subcommand("run", "Run a command in a new container");
  // Everything from IMAGE on belongs to the container, flags included.
  cmd->prefix_command();
  cmd->add_flag("--rm", f->run.remove, "Remove the container when it exits");
  cmd->add_option("--name", f->run.name, "Name of the container");
  cmd->add_option("--hostname", f->run.hostname, "Container host name (default: short id)");
  cmd->add_option("-e,--env", f->run.process.env,
                  "Set an environment variable (KEY=VALUE; KEY alone copies berth's)");
  cmd->add_option("--env-file", f->env_files, "Read environment variables from a file");
  cmd->add_option("-w,--workdir", f->run.process.workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", f->run.process.user, "User (name|uid[:group|gid])");
  cmd->add_option("--entrypoint", f->entrypoint, "Override the image's entrypoint")
      ->each([f](const std::string&) { f->entrypoint_set = true; });
  cmd->add_flag("--read-only", f->run.read_only, "Mount the container's root read-only");
  cmd->add_flag("--privileged", f->run.privileged, "All capabilities, no seccomp, no masked paths");
  cmd->add_flag("-i,--interactive", f->run.interactive, "Keep stdin open");
  cmd->add_option("--network,--net", f->network, "Network mode: none (default) or host");
  cmd->callback([&inv, f, cmd] {
    auto rest = cmd->remaining();
    inv.action = [&inv, f, rest] { return Run(inv.global, *f, rest); };
  });
}

}  // namespace berth::cli
