// berth run [flags] IMAGE [COMMAND [ARG...]]: run a container from a stored image.
#include <cstdio>

#include "berth/runner/mount_request.hpp"
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
  std::string memory, memory_swap, cpus, cpu_shares, pids_limit;
  runner::MountFlags mounts;
  std::vector<std::string> security_opts;
};

Result<void> ParseLimits(const RunFlags& f, runner::ResourceLimits& l) {
  if (!f.memory.empty()) {
    BERTH_ASSIGN_OR_RETURN(l.memory, runner::ParseMemoryBytes(f.memory));
  }
  if (!f.memory_swap.empty()) {
    BERTH_ASSIGN_OR_RETURN(l.memory_swap, runner::ParseMemorySwap(f.memory_swap));
  }
  if (!f.cpus.empty()) {
    BERTH_ASSIGN_OR_RETURN(l.cpus, runner::ParseCpus(f.cpus));
  }
  if (!f.cpu_shares.empty()) {
    BERTH_ASSIGN_OR_RETURN(l.cpu_shares, runner::ParseCpuShares(f.cpu_shares));
  }
  if (!f.pids_limit.empty()) {
    BERTH_ASSIGN_OR_RETURN(l.pids_limit, runner::ParsePidsLimit(f.pids_limit));
  }
  return Ok();
}

// -d: create, hand the container to berth-monitor, print its id.
int RunDetached(const std::filesystem::path& root, const runner::RunOptions& o) {
  auto programs = runner::FindDetachPrograms();
  if (!programs) return Fail("run " + o.image, programs.error());
  auto rec = runner::CreateContainer(root, o);
  if (!rec) return Fail("run " + o.image, rec.error());
  int code = kExitBerthFailed;
  if (auto r = runner::StartDetached(root, *rec, *programs, &code); !r) {
    if (o.remove) (void)runner::RemoveContainer(root, *rec, true);
    Fail("run " + o.image, r.error());
    return code;
  }
  std::printf("%s\n", rec->id.c_str());
  return 0;
}

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
  if (auto r = ParseLimits(f, o.limits); !r) return Fail("run " + o.image, r.error());
  for (const auto& opt : f.security_opts) {
    if (opt.rfind("seccomp=", 0) == 0) {
      o.seccomp = opt.substr(8);
    } else if (opt != "no-new-privileges" && opt != "no-new-privileges=true") {
      return Fail("run " + o.image,
                  MakeError(ErrorCode::kUnsupported, "--security-opt " + opt + ": not supported"));
    }
  }
  o.warn = [](const std::string& w) { std::fprintf(stderr, "WARNING: %s\n", w.c_str()); };
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  auto mounts = runner::ParseMountFlags(f.mounts, cwd);
  if (!mounts) return Fail("run " + o.image, mounts.error());
  o.mounts = std::move(*mounts);
  std::fflush(stdout);
  auto root = StoreRoot(g);
  if (o.detach) return RunDetached(root, o);
  int failure_code = kExitBerthFailed;
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
                  "Set an environment variable (KEY=VALUE; KEY alone copies berth's)")
      ->allow_extra_args(false);
  cmd->add_option("--env-file", f->env_files, "Read environment variables from a file")
      ->allow_extra_args(false);
  cmd->add_option("-w,--workdir", f->run.process.workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", f->run.process.user, "User (name|uid[:group|gid])");
  cmd->add_option("--entrypoint", f->entrypoint, "Override the image's entrypoint")
      ->each([f](const std::string&) { f->entrypoint_set = true; });
  cmd->add_flag("--read-only", f->run.read_only, "Mount the container's root read-only");
  cmd->add_flag("--privileged", f->run.privileged, "All capabilities, no seccomp, no masked paths");
  cmd->add_option("--cap-add", f->run.cap_add, "Add a capability (ALL for every one)")
      ->allow_extra_args(false);
  cmd->add_option("--cap-drop", f->run.cap_drop, "Drop a capability (ALL for every one)")
      ->allow_extra_args(false);
  cmd->add_option("--security-opt", f->security_opts,
                  "seccomp=unconfined|PROFILE.json, no-new-privileges")
      ->allow_extra_args(false);
  cmd->add_option("--ulimit", f->run.ulimits, "Set a ulimit: NAME=SOFT[:HARD]")
      ->allow_extra_args(false);
  cmd->add_flag("-i,--interactive", f->run.interactive, "Keep stdin open");
  cmd->add_flag("-t,--tty", f->run.process.tty, "Allocate a pseudo-terminal");
  cmd->add_flag("--init", f->run.init,
                "Run an init as PID 1 that forwards signals and reaps zombies");
  cmd->add_option("--network,--net", f->network, "Network mode: none (default) or host");
  cmd->add_flag("-d,--detach", f->run.detach, "Run in the background and print the container id");
  cmd->add_option("-v,--volume", f->mounts.volumes,
                  "Bind mount or volume: HOST-DIR|VOLUME:CONTAINER-DIR[:OPTIONS], or CONTAINER-DIR")
      ->allow_extra_args(false);
  cmd->add_option("--mount", f->mounts.mounts,
                  "Mount: type=bind|volume|tmpfs,source=...,target=...[,readonly,...]")
      ->allow_extra_args(false);
  cmd->add_option("--tmpfs", f->mounts.tmpfs, "Mount a tmpfs: CONTAINER-DIR[:OPTIONS]")
      ->allow_extra_args(false);
  cmd->add_option("-m,--memory", f->memory, "Memory limit (e.g. 512m, 1g)");
  cmd->add_option("--memory-swap", f->memory_swap,
                  "Memory plus swap limit (-1: unlimited swap; default: twice --memory)");
  cmd->add_option("--cpus", f->cpus, "Number of CPUs (e.g. 1.5)");
  cmd->add_option("-c,--cpu-shares", f->cpu_shares, "CPU shares (relative weight)");
  cmd->add_option("--cpuset-cpus", f->run.limits.cpuset_cpus, "CPUs to run on (0-3, 0,1)");
  cmd->add_option("--pids-limit", f->pids_limit, "Maximum number of processes (-1: unlimited)");
  cmd->callback([&inv, f, cmd] {
    auto rest = cmd->remaining();
    inv.action = [&inv, f, rest] { return Run(inv.global, *f, rest); };
  });
}

}  // namespace berth::cli
