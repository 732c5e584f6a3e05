#include "berth/runner/exec_path.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"

namespace berth::runner {
namespace {

using Strings = std::vector<std::string>;

TEST(ExecCandidatesTest, NameWithSlashIsTriedAsIs) {
  EXPECT_EQ(ExecCandidates("/bin/sh", "/a:/b"), (Strings{"/bin/sh"}));
  EXPECT_EQ(ExecCandidates("./run", "/a"), (Strings{"./run"}));
  EXPECT_EQ(ExecCandidates("sub/run", "/a"), (Strings{"sub/run"}));
}

TEST(ExecCandidatesTest, BareNameWalksPathInOrderEmptyEntryIsDot) {
  EXPECT_EQ(ExecCandidates("ls", "/usr/bin:/bin"), (Strings{"/usr/bin/ls", "/bin/ls"}));
  EXPECT_EQ(ExecCandidates("ls", ":/bin::/x:"),
            (Strings{"./ls", "/bin/ls", "./ls", "/x/ls", "./ls"}));
  EXPECT_EQ(ExecCandidates("ls", ""), (Strings{"./ls"}));
  EXPECT_EQ(ExecCandidates("ls", "/opt/bin/"), (Strings{"/opt/bin//ls"}));
  EXPECT_TRUE(ExecCandidates("", "/bin").empty());
}

TEST(ExecCandidatesTest, PathFromEnvTakesTheFirstPathOrTheDefault) {
  EXPECT_EQ(PathFromEnv({"A=1", "PATH=/x", "PATH=/y"}), "/x");
  EXPECT_EQ(PathFromEnv({"PATHX=/z", "A=1"}), std::string(kDefaultPath));
  EXPECT_EQ(kDefaultPath, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

TEST(ExitCodeTest, NotFoundIs127CannotRunIs126) {
  EXPECT_EQ(ExitCodeForExecErrno(ENOENT), 127);
  for (int err : {EACCES, EPERM, ENOEXEC, ENOTDIR, ELOOP, ETXTBSY, E2BIG, EISDIR}) {
    EXPECT_EQ(ExitCodeForExecErrno(err), 126) << err;
  }
}

// Runs ExecSearch in a forked child. Returns the child's exit status: the program's own
// status when exec succeeded, else 200 + the errno ExecSearch returned.
int ExecInChild(const std::string& file, const Strings& candidates) {
  pid_t pid = ::fork();
  if (pid == 0) {
    char* argv[] = {const_cast<char*>(file.c_str()), nullptr};
    char* envp[] = {nullptr};
    int err = ExecSearch(file.c_str(), candidates, argv, envp);
    ::_exit(200 + (err < 50 ? err : 49));
  }
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

class ExecSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create(fs::temp_directory_path(), "berth-exec-");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
    for (const char* d : {"a", "b", "c"}) ASSERT_TRUE(MakeDirs(dir_.path() / d));
  }
  void Script(const std::string& rel, int status, mode_t mode) {
    fs::path p = dir_.path() / rel;
    ASSERT_TRUE(WriteFileAtomic(p, "#!/bin/sh\nexit " + std::to_string(status) + "\n", mode));
    ASSERT_EQ(::chmod(p.c_str(), mode), 0);
  }
  std::string PathOf(std::initializer_list<const char*> dirs) {
    std::string out;
    for (const char* d : dirs) out += (out.empty() ? "" : ":") + (dir_.path() / d).string();
    return out;
  }
  TempDir dir_;
};

TEST_F(ExecSearchTest, SkipsNonExecutablesAndDirectoriesInPath) {
  Script("a/prog", 11, 0644);                     // not executable: skipped
  ASSERT_TRUE(MakeDirs(dir_.path() / "b/prog"));  // a directory: skipped
  Script("c/prog", 33, 0755);
  EXPECT_EQ(ExecInChild("prog", ExecCandidates("prog", PathOf({"a", "b", "c"}))), 33);
}

TEST_F(ExecSearchTest, NothingExecutableInPathIsEnoent) {
  Script("a/prog", 11, 0644);
  EXPECT_EQ(ExecInChild("prog", ExecCandidates("prog", PathOf({"a", "b"}))), 200 + ENOENT);
  EXPECT_EQ(ExecInChild("", ExecCandidates("", PathOf({"a"}))), 200 + ENOENT);
}

TEST_F(ExecSearchTest, PathWithSlashIsExecutedAsItIs) {
  Script("a/prog", 44, 0755);
  Script("a/noexec", 11, 0644);
  std::string prog = (dir_.path() / "a/prog").string();
  std::string noexec = (dir_.path() / "a/noexec").string();
  std::string missing = (dir_.path() / "a/missing").string();
  EXPECT_EQ(ExecInChild(prog, ExecCandidates(prog, "")), 44);
  EXPECT_EQ(ExecInChild(noexec, ExecCandidates(noexec, "")), 200 + EACCES);
  EXPECT_EQ(ExecInChild(missing, ExecCandidates(missing, "")), 200 + ENOENT);
}

TEST_F(ExecSearchTest, ExecutableThatCannotRunReportsExecveErrno) {
  // Executable bit, but neither ELF nor "#!": execve says ENOEXEC (no /bin/sh fallback, as
  // with runc and crun).
  fs::path p = dir_.path() / "a/garbage";
  ASSERT_TRUE(WriteFileAtomic(p, "not a program\n", 0755));
  ASSERT_EQ(::chmod(p.c_str(), 0755), 0);
  EXPECT_EQ(ExecInChild("garbage", ExecCandidates("garbage", PathOf({"a"}))), 200 + ENOEXEC);
}

TEST_F(ExecSearchTest, FindExecutableNamesWhatExecSearchWouldRun) {
  Script("a/prog", 11, 0644);
  Script("b/prog", 22, 0755);
  Strings candidates = ExecCandidates("prog", PathOf({"a", "b"}));
  const char* path = nullptr;
  EXPECT_EQ(FindExecutable("prog", candidates, &path), 0);
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(std::string(path), (dir_.path() / "b/prog").string());
  EXPECT_EQ(FindExecutable("none", ExecCandidates("none", PathOf({"a", "b"})), &path), ENOENT);
  // A name with '/' is taken as it is; execve judges it.
  Strings relative = ExecCandidates("./x", "");  // `path` points into it
  EXPECT_EQ(FindExecutable("./x", relative, &path), 0);
  EXPECT_STREQ(path, "./x");
}

}  // namespace
}  // namespace berth::runner
