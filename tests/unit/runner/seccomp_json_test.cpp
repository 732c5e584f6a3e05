// Docker/podman JSON seccomp profiles and --security-opt seccomp=..., compiled and then run
// through a BPF interpreter (tests/support/seccomp_bpf.hpp).

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include <filesystem>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/runner/capabilities.hpp"
#include "berth/runner/seccomp.hpp"
#include "support/seccomp_bpf.hpp"

namespace berth::runner {
namespace {

using testing::EvaluateSeccomp;

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kErrno = SECCOMP_RET_ERRNO;

// Tests that name x86_64 syscall numbers run only there.
#define SKIP_UNLESS_X86_64()                                        \
  do {                                                              \
    if (!kIsX86_64) GTEST_SKIP() << "syscall numbers are x86_64's"; \
  } while (0)
#if defined(__x86_64__)
constexpr bool kIsX86_64 = true;
#else
constexpr bool kIsX86_64 = false;
#endif

TEST(SeccompJsonTest, CompilesAMinimalProfile) {
  SKIP_UNLESS_X86_64();
  auto program = CompileSeccompProfileJson(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["getpid", "no_such_syscall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"name": "getppid", "action": "SCMP_ACT_ERRNO"},
      {"names": ["socket"], "action": "SCMP_ACT_ERRNO",
       "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
      {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS",
       "args": [{"index": 0, "value": 7, "op": "SCMP_CMP_EQ"},
                {"index": 1, "value": 255, "valueTwo": 9, "op": "SCMP_CMP_MASKED_EQ"}]}
    ]})",
                                           DockerDefaultCapabilities());
  ASSERT_TRUE(program) << program.error().ToString();
  auto run = [&](int nr, std::initializer_list<uint64_t> args = {}) {
    return EvaluateSeccomp(program->filter, AUDIT_ARCH_X86_64, nr, args).value;
  };
  EXPECT_EQ(run(SYS_getpid), kErrno | EACCES);
  EXPECT_EQ(run(SYS_getppid), kErrno | EPERM);  // errnoRet defaults to EPERM
  EXPECT_EQ(run(SYS_gettid), kAllow);
  // Two conditions on one argument: either matches (runc's OR).
  EXPECT_EQ(run(SYS_socket, {1}), kErrno | EPERM);
  EXPECT_EQ(run(SYS_socket, {2}), kErrno | EPERM);
  EXPECT_EQ(run(SYS_socket, {3}), kAllow);
  // Conditions on different arguments: both must match.
  EXPECT_EQ(run(SYS_kill, {7, 0x109}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(run(SYS_kill, {7, 0x108}), kAllow);
  EXPECT_EQ(run(SYS_kill, {8, 0x109}), kAllow);
  // Default allow: a syscall newer than the profile is allowed, not ENOSYS.
  EXPECT_EQ(run(1000), kAllow);
}

TEST(SeccompJsonTest, IncludesAndExcludes) {
  SKIP_UNLESS_X86_64();
  constexpr const char* kProfile = R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "syscalls": [
      {"names": ["read", "exit_group"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_KILL"]}},
      {"names": ["gettid"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.10"}},
      {"names": ["getuid"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]}},
      {"names": ["getgid"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
      {"names": ["getppid"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_NOPE"]}}
    ]})";
  auto verdict = [&](const CapabilitySet& caps, KernelVersion kernel, int nr) {
    auto program = CompileSeccompProfileJson(kProfile, caps, {kernel});
    EXPECT_TRUE(program) << program.error().ToString();
    return program ? EvaluateSeccomp(program->filter, AUDIT_ARCH_X86_64, nr).value : 0;
  };
  CapabilitySet admin = CapabilitySet::FromMask(uint64_t{1} << CAP_SYS_ADMIN);
  CapabilitySet kill = CapabilitySet::FromMask(uint64_t{1} << CAP_KILL);
  EXPECT_EQ(verdict(admin, {6, 1}, SYS_mount), kAllow);
  EXPECT_EQ(verdict(kill, {6, 1}, SYS_mount), kErrno | EPERM);
  EXPECT_EQ(verdict(admin, {6, 1}, SYS_getpid), kAllow);
  EXPECT_EQ(verdict(kill, {6, 1}, SYS_getpid), kErrno | EPERM);
  EXPECT_EQ(verdict(admin, {5, 10}, SYS_gettid), kAllow);
  EXPECT_EQ(verdict(admin, {5, 4}, SYS_gettid), kErrno | EPERM);
  EXPECT_EQ(verdict(admin, {6, 1}, SYS_getuid), kErrno | EPERM);
  EXPECT_EQ(verdict(admin, {6, 1}, SYS_getgid), kAllow);
  EXPECT_EQ(verdict(CapabilitySet::All(40), {6, 1}, SYS_getppid), kErrno | EPERM);
}

struct BadProfile {
  const char* json;
  const char* message;
};

TEST(SeccompJsonTest, MalformedProfilesNameTheField) {
  const BadProfile cases[] = {
      {"{", "profile: not valid JSON"},
      {"[]", "profile: expected a JSON object"},
      {R"({"syscalls": []})", "defaultAction: missing"},
      {R"({"defaultAction": 1})", "defaultAction: expected a string"},
      {R"({"defaultAction": "SCMP_ACT_DENY"})", "defaultAction: unknown action 'SCMP_ACT_DENY'"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})",
       "defaultErrnoRet: expected a non-negative integer"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EWHAT"})",
       "defaultErrno: unknown errno 'EWHAT'"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}})", "syscalls: expected an array"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]})",
       "syscalls[0].names: missing"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read",
          "action": "SCMP_ACT_ALLOW"}]})",
       "syscalls[0].names: expected an array of strings"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read", 3],
          "action": "SCMP_ACT_ALLOW"}]})",
       "syscalls[0].names[1]: expected a string"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"]},
          {"names": ["x"], "action": "SCMP_ACT_FOO"}]})",
       "syscalls[0].action: missing"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO"}, {"names": ["x"], "action": "SCMP_ACT_FOO"}]})",
       "syscalls[1].action: unknown action 'SCMP_ACT_FOO'"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "a", "names": ["b"],
          "action": "SCMP_ACT_ERRNO"}]})",
       "syscalls[0]: has both \"name\" and \"names\""},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})",
       "syscalls[0].args[0].index: syscalls have 6 arguments, got index 6"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "EQ"}]}]})",
       "syscalls[0].args[0].op: unknown operator 'EQ'"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": -5, "op": "SCMP_CMP_EQ"}]}]})",
       "syscalls[0].args[0].value: expected a non-negative integer"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "four"}}]})",
       "syscalls[0].includes.minKernel: expected a kernel version such as \"4.8\", got 'four'"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "excludes": {"caps": "CAP_KILL"}}]})",
       "syscalls[0].excludes.caps: expected an array of strings"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["X86_64"]})",
       "architectures[0]: expected an architecture such as \"SCMP_ARCH_X86_64\", got 'X86_64'"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"subArchitectures": []}]})",
       "archMap[0].architecture: missing"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NOPE"]})",
       "flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_NOPE'"},
  };
  for (const BadProfile& c : cases) {
    auto program = CompileSeccompProfileJson(c.json, DockerDefaultCapabilities());
    ASSERT_FALSE(program) << c.json;
    EXPECT_EQ(program.error().code, ErrorCode::kInvalidArgument) << c.json;
    EXPECT_EQ(program.error().message, c.message) << c.json;
  }
}

TEST(SeccompJsonTest, NotifyIsUnsupported) {
  auto program = CompileSeccompProfileJson(
      R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_NOTIFY"}]})",
      {});
  ASSERT_FALSE(program);
  EXPECT_EQ(program.error().code, ErrorCode::kUnsupported);
  auto listener = CompileSeccompProfileJson(
      R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"})", {});
  ASSERT_FALSE(listener);
  EXPECT_EQ(listener.error().code, ErrorCode::kUnsupported);
}

// Debian's podman profile (package golang-github-containers-common): a real-world input.
TEST(SeccompJsonTest, PodmansProfileParsesAndCompiles) {
  const std::filesystem::path file = "/usr/share/containers/seccomp.json";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " is not installed";
  for (const CapabilitySet& caps :
       {DockerDefaultCapabilities(), CapabilitySet(), CapabilitySet::All(40)}) {
    auto program = CompileSeccompProfileFile(file, caps);
    ASSERT_TRUE(program) << program.error().ToString();
    EXPECT_GT(program->filter.size(), 100u);
    if (!kIsX86_64) continue;
    auto run = [&](int nr) {
      return EvaluateSeccomp(program->filter, AUDIT_ARCH_X86_64, nr).value;
    };
    EXPECT_EQ(run(SYS_read), kAllow);
    EXPECT_EQ(run(SYS_kexec_load), kErrno | EPERM);  // listed with errnoRet 1
    EXPECT_EQ(run(1000), kErrno | ENOSYS);           // defaultErrnoRet 38: no stub needed
  }
}

TEST(SeccompJsonTest, FileErrorsCarryThePath) {
  auto t = TempDir::Create(::testing::TempDir(), "seccomp-");
  ASSERT_TRUE(t);
  auto missing = CompileSeccompProfileFile(t->path() / "none.json", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("none.json"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(t->path() / "bad.json", R"({"defaultAction": "SCMP_ACT_X"})"));
  auto bad = CompileSeccompProfileFile(t->path() / "bad.json", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "seccomp profile '" + (t->path() / "bad.json").string() +
                                     "': defaultAction: unknown action 'SCMP_ACT_X'");
}

TEST(SeccompOptionTest, ParsesAndPrepares) {
  auto unconfined = ParseSeccompOption("unconfined");
  ASSERT_TRUE(unconfined);
  EXPECT_EQ(unconfined->kind, SeccompOption::Kind::kUnconfined);
  auto file = ParseSeccompOption("/etc/profile.json");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, SeccompOption::Kind::kProfileFile);
  EXPECT_EQ(file->file, "/etc/profile.json");
  EXPECT_FALSE(ParseSeccompOption(""));

  const CapabilitySet caps = DockerDefaultCapabilities();
  auto none = PrepareSeccomp(*unconfined, caps, false);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto privileged = PrepareSeccomp(SeccompOption{}, caps, true);
  ASSERT_TRUE(privileged);
  EXPECT_FALSE(privileged->has_value());
  auto def = PrepareSeccomp(SeccompOption{}, caps, false);
  ASSERT_TRUE(def) << def.error().ToString();
  ASSERT_TRUE(def->has_value());
  EXPECT_FALSE((*def)->filter.empty());
  auto absent = PrepareSeccomp(*ParseSeccompOption("/nonexistent/p.json"), caps, false);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, ErrorCode::kNotFound);
}

TEST(SeccompOptionTest, RunningKernelVersionIsParsed) {
  KernelVersion v = RunningKernelVersion();
  EXPECT_GE(v, (KernelVersion{3, 17}));  // seccomp(2) exists
}

}  // namespace
}  // namespace berth::runner
