#include "berth/runner/process.hpp"

#include <nlohmann/json.hpp>

#include "berth/base/strings.hpp"
#include "berth/runner/exec_path.hpp"
#include "berth/runner/exec_user.hpp"
#include "process_env.hpp"

namespace berth::runner {

namespace {

// --entrypoint: a JSON array of strings is a whole argv prefix (podman); anything else is one
// word (docker passes it as the single element).
std::vector<std::string> ParseEntrypointFlag(const std::string& text) {
  std::string_view trimmed = Trim(text);
  if (!trimmed.empty() && trimmed.front() == '[') {
    nlohmann::json j = nlohmann::json::parse(trimmed, nullptr, /*allow_exceptions=*/false);
    if (j.is_array()) {
      std::vector<std::string> out;
      bool all_strings = true;
      for (const auto& item : j) {
        if (!item.is_string()) {
          all_strings = false;
          break;
        }
        out.push_back(item.get<std::string>());
      }
      if (all_strings) return out;
    }
  }
  return {text};
}

bool IsClearedEntrypoint(const std::vector<std::string>& ep) {
  return ep.size() == 1 && ep[0].empty();
}

Result<std::vector<std::string>> ResolveArgv(const store::ContainerConfig& image,
                                             const ProcessOverrides& o) {
  std::optional<std::vector<std::string>> user_ep;
  if (o.entrypoint) user_ep = ParseEntrypointFlag(*o.entrypoint);
  const std::vector<std::string>* ep =
      user_ep ? &*user_ep : (image.entrypoint ? &*image.entrypoint : nullptr);

  std::vector<std::string> argv;
  // [""] is how docker and podman spell "no entrypoint", from the flag or in an image.
  if (ep && !IsClearedEntrypoint(*ep)) argv = *ep;
  if (!o.command.empty()) {
    argv.insert(argv.end(), o.command.begin(), o.command.end());
  } else if ((!user_ep || user_ep->empty()) && image.cmd) {
    // A user's entrypoint drops the image's CMD: it was written for the image's entrypoint.
    // podman keeps it for an empty JSON array, since its check is len(entrypoint) == 0.
    argv.insert(argv.end(), image.cmd->begin(), image.cmd->end());
  }
  if (argv.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  }
  return argv;
}

// Lexical cleaning as Go's filepath.Clean, for an absolute path: no empty, "." or ".."
// components (".." stops at the root), no trailing slash.
std::string CleanAbsolute(std::string_view path) {
  std::vector<std::string> parts;
  for (const std::string& c : Split(path, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(c);
  }
  return "/" + Join(parts, "/");
}

Result<void> ResolveCwd(const store::ContainerConfig& image, const ProcessOverrides& o,
                        ProcessSpec& spec) {
  std::string dir = "/";
  if (o.workdir && !o.workdir->empty()) {
    dir = *o.workdir;
  } else if (!image.working_dir.empty()) {
    dir = image.working_dir;
    spec.create_cwd = true;
  }
  if (dir.front() != '/') {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "the working directory " + Quote(dir) + " is invalid, it needs to be an absolute path");
  }
  spec.cwd = CleanAbsolute(dir);
  return Ok();
}

Result<std::vector<std::string>> ResolveEnv(const store::ContainerConfig& image,
                                            const ProcessOverrides& o, const std::string& home,
                                            const std::vector<std::string>& caller_env) {
  EnvList env;
  // Defaults first, as docker orders them; every later source may replace them.
  env.Set("PATH", kDefaultPath);
  if (!o.hostname.empty()) env.Set("HOSTNAME", o.hostname);
  if (o.tty) env.Set("TERM", "xterm");
  env.Set("container", "berth");
  for (const std::string& e : image.env) {
    size_t eq = e.find('=');
    // An image entry without a name or '=' sets nothing (docker drops it too).
    if (eq == std::string::npos || eq == 0) continue;
    env.Set(std::string_view(e).substr(0, eq), std::string_view(e).substr(eq + 1));
  }
  for (const fs::path& file : o.env_files) BERTH_TRY(ApplyEnvFile(file, caller_env, env));
  for (const std::string& e : o.env) BERTH_TRY(ApplyEnvEntry(e, caller_env, env));
  // runc and crun set HOME only when no source did.
  if (!env.Get("HOME")) env.Set("HOME", home);
  return env.Take();
}

}  // namespace

Result<ProcessSpec> ResolveProcess(const store::ContainerConfig& image,
                                   const ProcessOverrides& overrides, int rootfs_fd,
                                   const std::vector<std::string>& caller_env) {
  ProcessSpec spec;
  BERTH_ASSIGN_OR_RETURN(spec.argv, ResolveArgv(image, overrides));
  BERTH_TRY(ResolveCwd(image, overrides, spec));
  // `-u ""` means "not given" to docker and podman alike, not "root".
  const std::string& user_spec =
      overrides.user && !overrides.user->empty() ? *overrides.user : image.user;
  BERTH_ASSIGN_OR_RETURN(ExecUser user, ResolveExecUserInRoot(user_spec, rootfs_fd));
  BERTH_ASSIGN_OR_RETURN(spec.env, ResolveEnv(image, overrides, user.home, caller_env));
  spec.uid = user.uid;
  spec.gid = user.gid;
  spec.additional_gids = std::move(user.additional_gids);
  return spec;
}

}  // namespace berth::runner
