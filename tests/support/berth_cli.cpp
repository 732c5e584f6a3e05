#include "support/berth_cli.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace berth::testing {

CliResult RunCli(const std::string& binary, const std::filesystem::path& root,
                 const std::vector<std::string>& args) {
  return RunCli(binary, root, args, CliInput{});
}

CliInput OwnCredentialDirs(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "xdg");
  std::filesystem::create_directories(dir / "home");
  CliInput in;
  in.env = {"XDG_RUNTIME_DIR=" + (dir / "xdg").string(), "HOME=" + (dir / "home").string()};
  return in;
}

CliResult RunCli(const std::string& binary, const std::filesystem::path& root,
                 const std::vector<std::string>& args, const CliInput& input) {
  CliResult res;
  int out[2], err[2], in[2];
  if (::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0) return res;
  // The whole input fits the pipe's buffer: write it and close, so the command sees EOF.
  if (::pipe2(in, O_CLOEXEC) < 0 || input.stdin_text.size() > 65536) return res;
  if (::write(in[1], input.stdin_text.data(), input.stdin_text.size()) !=
      static_cast<ssize_t>(input.stdin_text.size())) {
    return res;
  }
  ::close(in[1]);
  std::vector<std::string> argv = {binary, "--root", root.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& e : input.env) ::putenv(const_cast<char*>(e.c_str()));
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&res.out, &res.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[65536];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  res.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return res;
}

std::string RunCliOk(const std::string& binary, const std::filesystem::path& root,
                     const std::vector<std::string>& args) {
  CliResult r = RunCli(binary, root, args);
  std::string cmd = binary + " --root " + root.string();
  for (const auto& a : args) cmd += " " + a;
  EXPECT_EQ(r.status, 0) << cmd << "\n" << r.out << r.err;
  return r.status == 0 ? r.out : "";
}

std::string OneLineError(const CliResult& r) {
  EXPECT_EQ(r.status, 125) << r.out << r.err;
  auto lines = Lines(r.err);
  long errors = std::count_if(lines.begin(), lines.end(),
                              [](const std::string& l) { return l.rfind("berth: ", 0) == 0; });
  EXPECT_EQ(errors, 1) << r.err;
  return lines.empty() ? std::string() : lines.back();
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TrimTrailing(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace berth::testing
