#include "support/run_in_child.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace berth::testing {

namespace {

// Wire format of one gtest result, child to parent:
//   u8 type (TestPartResult::Type), i32 line, u32 file length, u32 message length, file, msg.
struct Record {
  ::testing::TestPartResult::Type type = ::testing::TestPartResult::kNonFatalFailure;
  int32_t line = 0;
  std::string file;
  std::string message;
};

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent went away; nothing left to report to
    off += static_cast<size_t>(n);
  }
}

template <typename T>
void AppendRaw(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void SendRecord(int fd, const Record& r) {
  std::string out;
  AppendRaw<uint8_t>(out, static_cast<uint8_t>(r.type));
  AppendRaw<int32_t>(out, r.line);
  AppendRaw<uint32_t>(out, static_cast<uint32_t>(r.file.size()));
  AppendRaw<uint32_t>(out, static_cast<uint32_t>(r.message.size()));
  out += r.file;
  out += r.message;
  WriteAll(fd, out);
}

// Parses complete records from the front of `buf`, leaving a partial one in place.
std::vector<Record> TakeRecords(std::string& buf) {
  std::vector<Record> out;
  constexpr size_t kHeader = 1 + 4 + 4 + 4;
  size_t pos = 0;
  while (buf.size() - pos >= kHeader) {
    uint8_t type;
    int32_t line;
    uint32_t file_len, msg_len;
    std::memcpy(&type, buf.data() + pos, 1);
    std::memcpy(&line, buf.data() + pos + 1, 4);
    std::memcpy(&file_len, buf.data() + pos + 5, 4);
    std::memcpy(&msg_len, buf.data() + pos + 9, 4);
    if (buf.size() - pos - kHeader < static_cast<size_t>(file_len) + msg_len) break;
    Record r;
    r.type = static_cast<::testing::TestPartResult::Type>(type);
    r.line = line;
    r.file = buf.substr(pos + kHeader, file_len);
    r.message = buf.substr(pos + kHeader + file_len, msg_len);
    out.push_back(std::move(r));
    pos += kHeader + file_len + msg_len;
  }
  buf.erase(0, pos);
  return out;
}

class ForwardingListener : public ::testing::EmptyTestEventListener {
 public:
  explicit ForwardingListener(int fd) : fd_(fd) {}
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (r.type() == ::testing::TestPartResult::kSuccess) return;
    Record rec;
    rec.type = r.type();
    rec.line = r.line_number();
    rec.file = r.file_name() ? r.file_name() : "";
    rec.message = r.message() ? r.message() : "";
    SendRecord(fd_, rec);
  }

 private:
  int fd_;
};

void ChildFail(int fd, const std::string& message) {
  SendRecord(fd, Record{::testing::TestPartResult::kFatalFailure, 0, "run_in_child", message});
}

bool EnterPrivateMountNs(int report_fd) {
  if (::unshare(CLONE_NEWNS) != 0) {
    ChildFail(report_fd, std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno));
    return false;
  }
  // Without this, mounts made here would propagate back to a shared "/" (systemd makes it
  // shared by default; see mount_namespaces(7)).
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    ChildFail(report_fd, std::string("make / rprivate: ") + std::strerror(errno));
    return false;
  }
  return true;
}

[[noreturn]] void ChildMain(int report_fd, const std::function<void()>& body, bool private_ns) {
  // Orphaned children of a killed test run must not keep mounting things.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (private_ns && !EnterPrivateMountNs(report_fd)) ::_exit(125);
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  // The parent prints every result it re-raises; printing here too would show each twice.
  delete listeners.Release(listeners.default_result_printer());
  listeners.Append(new ForwardingListener(report_fd));
  int code = 0;
  try {
    body();
  } catch (const std::exception& e) {
    ChildFail(report_fd, std::string("uncaught exception: ") + e.what());
    code = 1;
  } catch (...) {
    ChildFail(report_fd, "uncaught exception of unknown type");
    code = 1;
  }
  std::fflush(nullptr);
  // _exit: no atexit handlers or static destructors of the parent's gtest state.
  ::_exit(code);
}

void Reraise(const Record& r) {
  const char* file = r.file.empty() ? "run_in_child" : r.file.c_str();
  GTEST_MESSAGE_AT_(file, r.line, r.message.c_str(), r.type);
}

// Reads records until EOF or the deadline; returns false on timeout.
bool Collect(int fd, std::chrono::steady_clock::time_point deadline, ChildOutcome& outcome) {
  std::string buf;
  char chunk[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 60000)));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    buf.append(chunk, static_cast<size_t>(n));
    for (const Record& r : TakeRecords(buf)) {
      if (r.type == ::testing::TestPartResult::kSkip)
        outcome.skipped = true;
      else
        ++outcome.failures;
      Reraise(r);
    }
  }
}

}  // namespace

ChildOutcome RunInChild(const std::function<void()>& body, const RunInChildOptions& options,
                        std::source_location where) {
  const char* file = where.file_name();
  const int line = static_cast<int>(where.line());
  ChildOutcome outcome;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE_AT(file, line) << "RunInChild: pipe2: " << std::strerror(errno);
    outcome.exit_code = -1;
    return outcome;
  }
  std::fflush(nullptr);  // else buffered output would be written by both processes
  pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE_AT(file, line) << "RunInChild: fork: " << std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    outcome.exit_code = -1;
    return outcome;
  }
  if (pid == 0) {
    ::close(fds[0]);
    ChildMain(fds[1], body, options.private_mount_ns);
  }
  ::close(fds[1]);
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  if (!Collect(fds[0], deadline, outcome)) {
    outcome.timed_out = true;
    ::kill(pid, SIGKILL);
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    outcome.signal = WTERMSIG(status);
  else if (WIFEXITED(status))
    outcome.exit_code = WEXITSTATUS(status);
  if (outcome.timed_out) {
    ADD_FAILURE_AT(file, line) << "RunInChild: child " << pid << " killed after "
                               << options.timeout.count() << "s timeout";
  } else if (outcome.signal != 0) {
    ADD_FAILURE_AT(file, line) << "RunInChild: child " << pid << " killed by signal "
                               << outcome.signal << " (" << ::strsignal(outcome.signal) << ")";
  } else if (outcome.exit_code != 0) {
    ADD_FAILURE_AT(file, line) << "RunInChild: child " << pid << " exited with status "
                               << outcome.exit_code;
  }
  return outcome;
}

namespace {

// The probe body; returns "" or the reason it failed. Runs in the probe child.
std::string ProbeIn(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  auto err = [](const std::string& what) { return what + ": " + std::strerror(errno); };
  if (::unshare(CLONE_NEWNS) != 0) return err("unshare(CLONE_NEWNS)");
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return err("make / rprivate");
  }
  std::error_code ec;
  for (const char* d : {"top/d", "bottom/d", "merged"}) fs::create_directories(dir / d, ec);
  if (ec) return "mkdir in " + dir.string() + ": " + ec.message();
  for (const char* f : {"bottom/x", "bottom/d/y"}) {
    int fd = ::open((dir / f).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return err("create " + (dir / f).string());
    ::close(fd);
  }
  if (::mknod((dir / "top/x").c_str(), S_IFCHR | 0, ::makedev(0, 0)) != 0) {
    return err("mknod 0/0 whiteout (needs CAP_MKNOD)");
  }
  if (::setxattr((dir / "top/d").c_str(), "trusted.overlay.opaque", "y", 1, 0) != 0) {
    return err("setxattr trusted.overlay.opaque (needs CAP_SYS_ADMIN and xattr support)");
  }
  std::string data = "lowerdir=" + (dir / "top").string() + ":" + (dir / "bottom").string();
  if (::mount("overlay", (dir / "merged").c_str(), "overlay", MS_RDONLY, data.c_str()) != 0) {
    return err("mount overlay on " + (dir / "merged").string());
  }
  std::string bad;
  struct stat st;
  if (::lstat((dir / "merged/x").c_str(), &st) == 0)
    bad = "whiteout did not hide merged/x";
  else if (::lstat((dir / "merged/d/y").c_str(), &st) == 0)
    bad = "opaque dir showed merged/d/y";
  else if (::lstat((dir / "merged/d").c_str(), &st) != 0)
    bad = "merged/d missing";
  ::umount2((dir / "merged").c_str(), MNT_DETACH);
  return bad;
}

}  // namespace

std::string ProbeOverlayMount(const std::string& scratch_parent) {
  std::string templ = scratch_parent + "/berth-probe-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    return "mkdtemp " + templ + ": " + std::strerror(errno);
  }
  std::filesystem::path dir = templ;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe2: ") + std::strerror(errno);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::string why = ProbeIn(dir);
    WriteAll(fds[1], why);
    ::_exit(why.empty() ? 0 : 1);
  }
  ::close(fds[1]);
  std::string why;
  if (pid < 0) {
    why = std::string("fork: ") + std::strerror(errno);
  } else {
    char chunk[512];
    ssize_t n;
    while ((n = ::read(fds[0], chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) why.append(chunk, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (why.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      why = "probe child ended abnormally";
    }
  }
  ::close(fds[0]);
  // The child's mount namespace is gone, and its overlay with it: removing is safe now.
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return why.empty() ? "" : "overlay probe in " + dir.string() + ": " + why;
}

bool RequirePrivileged() {
  const char* v = std::getenv("BERTH_TEST_REQUIRE_PRIVILEGED");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace berth::testing
