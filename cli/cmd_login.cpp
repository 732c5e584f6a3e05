// berth login [-u USER] [-p PASS | --password-stdin] [--authfile] [--tls-verify] [--cert-dir]
//             [--registries-conf] [--get-login] [REGISTRY]
//
// As podman login: the credentials are checked against the registry before anything is
// saved; the password is never echoed (a prompt with echo off, or one line of stdin).
#include <cstdio>

#include "berth/puller/login.hpp"
#include "command.hpp"
#include "password_input.hpp"
#include "registry_flags.hpp"

namespace berth::cli {

namespace {

struct LoginFlags {
  std::string registry = "docker.io";
  std::string username;
  std::string password;
  bool password_stdin = false;
  bool get_login = false;
  AccessFlags access;
};

Error Usage(const std::string& message) { return MakeError(ErrorCode::kInvalidArgument, message); }

// podman's shortcut: no credentials given, and the saved ones still work.
bool ExistingLoginValid(const std::string& registry, const puller::RegistryAccess& access) {
  auto saved = puller::LookupCredentials(registry, puller::AuthFilesFor(access));
  if (!saved || !*saved) return false;
  std::printf("Authenticating with existing credentials for %s\n", registry.c_str());
  if (puller::CheckLogin(registry, **saved, access)) {
    std::printf("Existing credentials are valid. Already logged in to %s\n", registry.c_str());
    return true;
  }
  std::printf("Existing credentials are invalid, please enter valid username and password\n");
  return false;
}

// The username and password from the flags, stdin or the terminal.
Result<puller::Credentials> AskCredentials(const LoginFlags& f) {
  puller::Credentials c{f.username, f.password};
  if (c.username.empty()) {
    if (f.password_stdin || !StdinIsTerminal()) {
      return Usage("no username given (use -u/--username)");
    }
    BERTH_ASSIGN_OR_RETURN(c.username, Prompt("Username: ", /*hidden=*/false));
  }
  if (f.password_stdin) {
    auto line = ReadStdinLine();
    if (!line) return Usage("--password-stdin: " + line.error().ToString());
    c.password = *line;
  } else if (c.password.empty()) {
    if (!StdinIsTerminal()) {
      return Usage(
          "no password given and stdin is not a terminal "
          "(use -p/--password or --password-stdin)");
    }
    BERTH_ASSIGN_OR_RETURN(c.password, Prompt("Password: ", /*hidden=*/true));
  }
  if (c.username.empty()) return Usage("the username is empty");
  if (c.password.empty()) return Usage("the password is empty");
  return c;
}

int GetLogin(const std::string& registry, const puller::RegistryAccess& access) {
  auto saved = puller::LookupCredentials(registry, puller::AuthFilesFor(access));
  if (!saved) return Fail("login " + registry, saved.error());
  if (!*saved) {
    return Fail("login " + registry,
                MakeError(ErrorCode::kNotFound, "not logged into " + registry));
  }
  std::printf("%s\n", (*saved)->username.c_str());
  return 0;
}

int Run(const LoginFlags& f) {
  auto registry = puller::NormalizeRegistryName(f.registry);
  if (!registry) return Fail("login " + f.registry, registry.error());
  std::string what = "login " + *registry;
  puller::RegistryAccess access = ToAccess(f.access);
  if (f.get_login) return GetLogin(*registry, access);
  if (!f.password.empty() && f.password_stdin) {
    return Fail(what, Usage("--password and --password-stdin cannot be used together"));
  }
  if (f.username.empty() && f.password.empty() && !f.password_stdin &&
      ExistingLoginValid(*registry, access)) {
    return 0;
  }
  auto creds = AskCredentials(f);
  if (!creds) return Fail(what, creds.error());
  puller::LoginOptions o{*registry, *creds, access};
  auto saved = puller::Login(o);
  if (!saved) return Fail(what, saved.error());
  std::printf("Login Succeeded!\n");
  return 0;
}

}  // namespace

void RegisterLogin(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto f = std::make_shared<LoginFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "Log in to a registry (checks, then saves)");
  cmd->add_option("REGISTRY", f->registry, "Registry host[:port] (default docker.io)");
  cmd->add_option("-u,--username", f->username, "Username");
  cmd->add_option("-p,--password", f->password,
                  "Password (visible to other users: prefer "
                  "--password-stdin or the prompt)");
  cmd->add_flag("--password-stdin", f->password_stdin, "Read the password from stdin (one line)");
  cmd->add_flag("--get-login", f->get_login, "Print the username saved for the registry");
  AddAccessFlags(cmd, f->access, /*with_creds=*/false);
  cmd->callback([&inv, f] { inv.action = [f] { return Run(*f); }; });
}

}  // namespace berth::cli
