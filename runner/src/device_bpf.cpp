#include "berth/runner/device_bpf.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

// Registers of the program: r1 holds the context on entry and is scratch afterwards.
constexpr uint8_t kR0 = 0, kR1 = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5;

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}

bpf_insn LoadCtx32(uint8_t dst, int16_t offset) {
  return Insn(BPF_LDX | BPF_MEM | BPF_W, dst, kR1, offset, 0);
}
bpf_insn AluImm(uint8_t op, uint8_t dst, int32_t imm) {
  return Insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn MovReg(uint8_t dst, uint8_t src) {
  return Insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}
// A jump to the end of the current rule's block; the offset is filled in when it is closed.
bpf_insn JumpImm(uint8_t op, uint8_t dst, int32_t imm) {
  return Insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn Exit() { return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int32_t TypeValue(char type) { return type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR; }

// Instructions for one rule: conditional jumps past the block when the request does not
// match, then "return verdict". Sets *unconditional when the rule matches every request.
std::vector<bpf_insn> RuleBlock(const DeviceRule& rule, bool* unconditional) {
  std::vector<bpf_insn> block;
  if (rule.type != 'a') block.push_back(JumpImm(BPF_JNE, kType, TypeValue(rule.type)));
  uint32_t bits = DeviceAccessBits(rule.access);
  constexpr uint32_t kAll = kDeviceAccessRead | kDeviceAccessWrite | kDeviceAccessMknod;
  if (bits != kAll) {
    // allow: every requested bit is in the rule; deny: some requested bit is.
    block.push_back(MovReg(kR1, kAccess));
    block.push_back(AluImm(BPF_AND, kR1, static_cast<int32_t>(rule.allow ? (~bits & kAll) : bits)));
    block.push_back(JumpImm(rule.allow ? BPF_JNE : BPF_JEQ, kR1, 0));
  }
  if (rule.major >= 0) block.push_back(JumpImm(BPF_JNE, kMajor, static_cast<int32_t>(rule.major)));
  if (rule.minor >= 0) block.push_back(JumpImm(BPF_JNE, kMinor, static_cast<int32_t>(rule.minor)));
  *unconditional = block.empty();
  block.push_back(AluImm(BPF_MOV, kR0, rule.allow ? 1 : 0));
  block.push_back(Exit());
  for (size_t i = 0; i < block.size(); ++i) {
    if (BPF_CLASS(block[i].code) == BPF_JMP && BPF_OP(block[i].code) != BPF_EXIT) {
      block[i].off = static_cast<int16_t>(block.size() - i - 1);
    }
  }
  return block;
}

long Bpf(int cmd, bpf_attr* attr) { return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

Result<UniqueFd> LoadProgram(const std::vector<bpf_insn>& insns) {
  static const char kLicense[] = "Apache-2.0";
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uintptr_t>(insns.data());
  attr.insn_cnt = static_cast<uint32_t>(insns.size());
  attr.license = reinterpret_cast<uintptr_t>(kLicense);
  int fd = static_cast<int>(Bpf(BPF_PROG_LOAD, &attr));  // bpf fds are always close-on-exec
  if (fd >= 0) return UniqueFd(fd);
  int err = errno;
  Error e = SysError("load device cgroup bpf program", err);
  if (err == EINVAL || err == EACCES) {
    // Load again with the verifier's log, which says what it rejected.
    std::string log(65536, '\0');
    attr.log_level = 1;
    attr.log_buf = reinterpret_cast<uintptr_t>(log.data());
    attr.log_size = static_cast<uint32_t>(log.size());
    int again = static_cast<int>(Bpf(BPF_PROG_LOAD, &attr));
    if (again >= 0) ::close(again);
    log.resize(log.find('\0'));
    if (!log.empty()) e.hint = "verifier: " + std::string(Trim(log));
  }
  if (err == EINVAL && e.hint.empty()) e.code = ErrorCode::kUnsupported;
  return e;
}

}  // namespace

std::vector<bpf_insn> CompileDeviceProgram(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> prog = {
      LoadCtx32(kType, offsetof(bpf_cgroup_dev_ctx, access_type)),
      MovReg(kAccess, kType),
      AluImm(BPF_RSH, kAccess, 16),
      AluImm(BPF_AND, kType, 0xffff),
      LoadCtx32(kMajor, offsetof(bpf_cgroup_dev_ctx, major)),
      LoadCtx32(kMinor, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    bool unconditional = false;
    std::vector<bpf_insn> block = RuleBlock(*it, &unconditional);
    prog.insert(prog.end(), block.begin(), block.end());
    // The verifier rejects unreachable instructions, so nothing may follow a rule that
    // matches everything.
    if (unconditional) return prog;
  }
  prog.push_back(AluImm(BPF_MOV, kR0, 1));
  prog.push_back(Exit());
  return prog;
}

Result<void> AttachDeviceProgram(const std::filesystem::path& cgroup_dir,
                                 const std::vector<DeviceRule>& rules) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd prog, LoadProgram(CompileDeviceProgram(rules)));
  BERTH_ASSIGN_OR_RETURN(UniqueFd dir, Open(cgroup_dir, O_RDONLY | O_DIRECTORY));
  bpf_attr attr{};
  attr.target_fd = static_cast<uint32_t>(dir.get());
  attr.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attr) < 0) {
    return SysError("attach device cgroup bpf program to " + Quote(cgroup_dir.string()), errno);
  }
  return Ok();
}

}  // namespace berth::runner
