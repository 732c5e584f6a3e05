// Compiling a seccomp::Profile to a BPF program with libseccomp, for one container.
//
// Which rules apply follows Docker (moby profiles/seccomp setupSeccomp): a rule is skipped if
// the container holds any of its excluded capabilities, runs on an excluded architecture or
// on a kernel at least the excluded minKernel, and applies only if it holds all of its
// included capabilities, runs on an included architecture and on a kernel at least the
// included minKernel. Argument conditions follow runc: all conditions of a rule form one
// libseccomp rule (AND), unless two of them test the same argument, in which case each
// becomes its own rule (OR). The program is exported with seccomp_export_bpf (libseccomp 2.5
// has no in-memory export) through a memfd, then prefixed with the ENOSYS stub below.

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "berth/base/strings.hpp"
#include "berth/base/unique_fd.hpp"
#include "seccomp_profile.hpp"

namespace berth::runner::seccomp {

namespace {

struct ContextDeleter {
  void operator()(void* ctx) const { ::seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

// x32 syscalls run under AUDIT_ARCH_X86_64 with this bit set in the number.
constexpr uint32_t kX32SyscallBit = 0x40000000;

uint32_t ToScmp(const Action& a) {
  switch (a.kind) {
    case Action::Kind::kAllow:
      return SCMP_ACT_ALLOW;
    case Action::Kind::kErrno:
      return SCMP_ACT_ERRNO(a.value);
    case Action::Kind::kKillThread:
      return SCMP_ACT_KILL_THREAD;
    case Action::Kind::kKillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case Action::Kind::kTrap:
      return SCMP_ACT_TRAP;
    case Action::Kind::kTrace:
      return SCMP_ACT_TRACE(a.value);
    case Action::Kind::kLog:
      return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare ToScmp(CompareOp op) {
  switch (op) {
    case CompareOp::kNotEqual:
      return SCMP_CMP_NE;
    case CompareOp::kLess:
      return SCMP_CMP_LT;
    case CompareOp::kLessOrEqual:
      return SCMP_CMP_LE;
    case CompareOp::kEqual:
      return SCMP_CMP_EQ;
    case CompareOp::kGreaterOrEqual:
      return SCMP_CMP_GE;
    case CompareOp::kGreater:
      return SCMP_CMP_GT;
    case CompareOp::kMaskedEqual:
      return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool Applies(const SyscallRule& rule, const CapabilitySet& caps, KernelVersion kernel) {
  const Filter& ex = rule.excludes;
  if (!ex.arches.empty() && Contains(ex.arches, NativeGoArch())) return false;
  for (int cap : ex.caps) {
    if (caps.Has(cap)) return false;
  }
  if (ex.min_kernel && kernel >= *ex.min_kernel) return false;
  const Filter& in = rule.includes;
  if (!in.arches.empty() && !Contains(in.arches, NativeGoArch())) return false;
  for (int cap : in.caps) {
    if (!caps.Has(cap)) return false;
  }
  if (in.min_kernel && kernel < *in.min_kernel) return false;
  return true;
}

// The native architecture, its archMap sub-architectures, and the legacy list.
std::vector<uint32_t> FilterArches(const Profile& profile) {
  const uint32_t native = ::seccomp_arch_native();
  std::vector<uint32_t> out{native};
  auto add = [&](uint32_t arch) {
    if (std::find(out.begin(), out.end(), arch) == out.end()) out.push_back(arch);
  };
  for (const ArchMapEntry& entry : profile.arch_map) {
    if (entry.arch != native) continue;
    for (uint32_t sub : entry.sub_arches) add(sub);
  }
  for (uint32_t arch : profile.architectures) add(arch);
  return out;
}

Result<void> AddRule(void* ctx, const SyscallRule& rule, const std::string& name, int nr) {
  const uint32_t action = ToScmp(rule.action);
  std::vector<scmp_arg_cmp> conds;
  for (const ArgCondition& a : rule.args) {
    conds.push_back({a.index, ToScmp(a.op), a.value, a.value_two});
  }
  bool repeated_index = false;
  for (size_t i = 0; i < rule.args.size(); ++i) {
    for (size_t j = 0; j < i; ++j) repeated_index |= rule.args[i].index == rule.args[j].index;
  }
  auto add = [&](unsigned count, const scmp_arg_cmp* first) -> Result<void> {
    int rc = ::seccomp_rule_add_array(ctx, action, nr, count, first);
    if (rc == 0) return Ok();
    return MakeError(ErrorCode::kInvalidArgument,
                     "add seccomp rule for " + Quote(name) + ": " + std::strerror(-rc));
  };
  if (!repeated_index) return add(static_cast<unsigned>(conds.size()), conds.data());
  for (const scmp_arg_cmp& cond : conds) BERTH_TRY(add(1, &cond));
  return Ok();
}

Result<std::vector<sock_filter>> ExportBpf(void* ctx) {
  UniqueFd fd(::memfd_create("berth-seccomp", MFD_CLOEXEC));
  if (!fd) return SysError("memfd_create for the seccomp program", errno);
  if (int rc = ::seccomp_export_bpf(ctx, fd.get()); rc != 0) {
    return MakeError(ErrorCode::kInternal,
                     std::string("export seccomp program: ") + std::strerror(-rc));
  }
  off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size < 0 || size % sizeof(sock_filter) != 0) {
    return MakeError(ErrorCode::kInternal, "export seccomp program: odd size " +
                                               std::to_string(static_cast<long long>(size)));
  }
  std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
  auto* out = reinterpret_cast<char*>(program.data());
  size_t done = 0;
  while (done < static_cast<size_t>(size)) {
    ssize_t n =
        ::pread(fd.get(), out + done, static_cast<size_t>(size) - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError("read back the seccomp program", errno);
    if (n == 0) return MakeError(ErrorCode::kInternal, "read back the seccomp program: short");
    done += static_cast<size_t>(n);
  }
  return program;
}

// The highest syscall number among `names` on `arch`, or -1.
int64_t HighestSyscall(const std::vector<const std::string*>& names, uint32_t arch) {
  int64_t highest = -1;
  for (const std::string* name : names) {
    int nr = ::seccomp_syscall_resolve_name_arch(arch, name->c_str());
    if (nr >= 0) highest = std::max<int64_t>(highest, nr);
  }
  return highest;
}

// A forward jump target while the stub is assembled.
enum Target : int { kNext = -1, kEnosys = -2, kProgram = -3 };
struct StubInsn {
  sock_filter insn;
  int jt = kNext, jf = kNext;  // instruction index, or a Target
};

// As runc's patchbpf does: syscall numbers above the highest one the profile names for an
// architecture return ENOSYS instead of the default action, so that programs probing
// syscalls newer than the profile (and this libseccomp) fall back as on an older kernel.
std::vector<sock_filter> EnosysStub(const std::vector<uint32_t>& arches,
                                    const std::vector<const std::string*>& names) {
  std::vector<StubInsn> stub;
  auto emit = [&](uint16_t code, uint32_t k, int jt = kNext, int jf = kNext) {
    stub.push_back({BPF_STMT(code, k), jt, jf});
  };
  const int64_t x32_max = std::find(arches.begin(), arches.end(), SCMP_ARCH_X32) != arches.end()
                              ? HighestSyscall(names, SCMP_ARCH_X32)
                              : -1;
  for (uint32_t arch : arches) {
    if (arch == SCMP_ARCH_X32) continue;  // checked inside the x86_64 block
    const int64_t max = HighestSyscall(names, arch);
    if (max < 0) continue;
    const bool x86_64 = arch == SCMP_ARCH_X86_64;
    const int block_end = static_cast<int>(stub.size()) + (x86_64 ? 6 : 4);
    emit(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
    emit(BPF_JMP | BPF_JEQ | BPF_K, arch, kNext, block_end);
    emit(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
    if (x86_64) emit(BPF_JMP | BPF_JSET | BPF_K, kX32SyscallBit, block_end - 1, kNext);
    emit(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(max), kEnosys, kProgram);
    if (x86_64) {
      if (x32_max >= 0) {
        emit(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(x32_max), kEnosys, kProgram);
      } else {
        emit(BPF_JMP | BPF_JA, 0, kProgram, kProgram);
      }
    }
  }
  if (stub.empty()) return {};
  emit(BPF_JMP | BPF_JA, 0, kProgram, kProgram);  // no block matched
  const int enosys = static_cast<int>(stub.size());
  emit(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
  const int program = static_cast<int>(stub.size());
  std::vector<sock_filter> out;
  for (int i = 0; i < static_cast<int>(stub.size()); ++i) {
    auto resolve = [&](int target) {
      int to = target == kEnosys    ? enosys
               : target == kProgram ? program
               : target == kNext    ? i + 1
                                    : target;
      return to - (i + 1);
    };
    sock_filter f = stub[i].insn;
    if (BPF_CLASS(f.code) == BPF_JMP && BPF_OP(f.code) == BPF_JA) {
      f.k = static_cast<uint32_t>(resolve(stub[i].jt));
    } else if (BPF_CLASS(f.code) == BPF_JMP) {
      f.jt = static_cast<uint8_t>(resolve(stub[i].jt));
      f.jf = static_cast<uint8_t>(resolve(stub[i].jf));
    }
    out.push_back(f);
  }
  return out;
}

bool WantsEnosysStub(const Action& default_action) {
  switch (default_action.kind) {
    case Action::Kind::kErrno:
      return default_action.value != ENOSYS;
    case Action::Kind::kKillThread:
    case Action::Kind::kKillProcess:
    case Action::Kind::kTrap:
      return true;
    default:
      return false;  // allow, log, trace: newer syscalls are not refused anyway
  }
}

}  // namespace

std::string_view NativeGoArch() {
  switch (::seccomp_arch_native()) {
    case SCMP_ARCH_X86_64:
      return "amd64";
    case SCMP_ARCH_X86:
      return "386";
    case SCMP_ARCH_X32:
      return "x32";
    case SCMP_ARCH_AARCH64:
      return "arm64";
    case SCMP_ARCH_ARM:
      return "arm";
    case SCMP_ARCH_PPC64LE:
      return "ppc64le";
    case SCMP_ARCH_PPC64:
      return "ppc64";
    case SCMP_ARCH_S390X:
      return "s390x";
    case SCMP_ARCH_S390:
      return "s390";
    case SCMP_ARCH_RISCV64:
      return "riscv64";
    case SCMP_ARCH_MIPS64:
      return "mips64";
    case SCMP_ARCH_MIPSEL64:
      return "mips64le";
    case SCMP_ARCH_MIPS:
      return "mips";
    case SCMP_ARCH_MIPSEL:
      return "mipsle";
    default:
      return "unknown";
  }
}

Result<SeccompProgram> Compile(const Profile& profile, const CapabilitySet& caps,
                               KernelVersion kernel) {
  Context ctx(::seccomp_init(ToScmp(profile.default_action)));
  if (!ctx) return MakeError(ErrorCode::kInternal, "seccomp_init failed");
  // A binary tree of syscall numbers instead of a linear scan; best effort.
  ::seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  const std::vector<uint32_t> arches = FilterArches(profile);
  for (uint32_t arch : arches) {
    int rc = ::seccomp_arch_add(ctx.get(), arch);
    if (rc != 0 && rc != -EEXIST) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "add seccomp architecture " + std::to_string(arch) + ": " + std::strerror(-rc));
    }
  }
  std::vector<const std::string*> names;  // of the rules that apply, for the ENOSYS stub
  for (const SyscallRule& rule : profile.syscalls) {
    if (!Applies(rule, caps, kernel)) continue;
    for (const std::string& name : rule.names) names.push_back(&name);
    // libseccomp refuses a rule whose action is the default one; it would change nothing.
    if (rule.action == profile.default_action) continue;
    for (const std::string& name : rule.names) {
      int nr = ::seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp: skipped, as runc does
      BERTH_TRY(AddRule(ctx.get(), rule, name, nr));
    }
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<sock_filter> body, ExportBpf(ctx.get()));
  SeccompProgram program;
  program.flags = profile.flags;
  if (WantsEnosysStub(profile.default_action)) program.filter = EnosysStub(arches, names);
  program.filter.insert(program.filter.end(), body.begin(), body.end());
  if (program.filter.size() > BPF_MAXINSNS) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "seccomp program has " + std::to_string(program.filter.size()) +
                         " instructions, more than the kernel's limit of " +
                         std::to_string(BPF_MAXINSNS));
  }
  return program;
}

}  // namespace berth::runner::seccomp
