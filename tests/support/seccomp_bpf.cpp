#include "support/seccomp_bpf.hpp"

#include <cstddef>
#include <cstring>

namespace berth::testing {

namespace {

bool LoadWord(const seccomp_data& data, uint32_t offset, uint32_t* out) {
  if (offset % 4 != 0 || offset + 4 > sizeof(seccomp_data)) return false;
  std::memcpy(out, reinterpret_cast<const char*>(&data) + offset, 4);
  return true;
}

bool Alu(uint16_t op, uint32_t& a, uint32_t operand) {
  switch (op) {
    case BPF_ADD:
      a += operand;
      return true;
    case BPF_SUB:
      a -= operand;
      return true;
    case BPF_MUL:
      a *= operand;
      return true;
    case BPF_DIV:
      if (operand == 0) return false;
      a /= operand;
      return true;
    case BPF_MOD:
      if (operand == 0) return false;
      a %= operand;
      return true;
    case BPF_OR:
      a |= operand;
      return true;
    case BPF_AND:
      a &= operand;
      return true;
    case BPF_XOR:
      a ^= operand;
      return true;
    case BPF_LSH:
      a = operand >= 32 ? 0 : a << operand;
      return true;
    case BPF_RSH:
      a = operand >= 32 ? 0 : a >> operand;
      return true;
    case BPF_NEG:
      a = 0 - a;
      return true;
    default:
      return false;
  }
}

}  // namespace

SeccompVerdict EvaluateSeccomp(const std::vector<sock_filter>& program, const seccomp_data& data) {
  SeccompVerdict verdict;
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  auto fail = [&](size_t pc, const std::string& why) {
    verdict.error = "instruction " + std::to_string(pc) + ": " + why;
    return verdict;
  };
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& f = program[pc];
    const uint32_t operand = BPF_SRC(f.code) == BPF_X ? x : f.k;
    switch (BPF_CLASS(f.code)) {
      case BPF_LD:
        if (f.code == (BPF_LD | BPF_W | BPF_ABS)) {
          if (!LoadWord(data, f.k, &a)) return fail(pc, "bad load offset");
        } else if (f.code == (BPF_LD | BPF_IMM)) {
          a = f.k;
        } else if (f.code == (BPF_LD | BPF_MEM) && f.k < BPF_MEMWORDS) {
          a = mem[f.k];
        } else {
          return fail(pc, "unsupported load");
        }
        break;
      case BPF_LDX:
        if (f.code == (BPF_LDX | BPF_IMM)) {
          x = f.k;
        } else if (f.code == (BPF_LDX | BPF_MEM) && f.k < BPF_MEMWORDS) {
          x = mem[f.k];
        } else {
          return fail(pc, "unsupported load into X");
        }
        break;
      case BPF_ST:
      case BPF_STX:
        if (f.k >= BPF_MEMWORDS) return fail(pc, "bad scratch slot");
        mem[f.k] = BPF_CLASS(f.code) == BPF_ST ? a : x;
        break;
      case BPF_ALU:
        if (!Alu(BPF_OP(f.code), a, operand)) return fail(pc, "bad ALU operation");
        break;
      case BPF_JMP: {
        size_t next;
        if (BPF_OP(f.code) == BPF_JA) {
          next = pc + 1 + f.k;
        } else {
          bool taken;
          switch (BPF_OP(f.code)) {
            case BPF_JEQ:
              taken = a == operand;
              break;
            case BPF_JGT:
              taken = a > operand;
              break;
            case BPF_JGE:
              taken = a >= operand;
              break;
            case BPF_JSET:
              taken = (a & operand) != 0;
              break;
            default:
              return fail(pc, "bad jump");
          }
          next = pc + 1 + (taken ? f.jt : f.jf);
        }
        if (next >= program.size()) return fail(pc, "jump past the end");
        pc = next - 1;
        break;
      }
      case BPF_RET:
        verdict.value = BPF_RVAL(f.code) == BPF_A ? a : f.k;
        return verdict;
      case BPF_MISC:
        if (BPF_MISCOP(f.code) == BPF_TAX) {
          x = a;
        } else {
          a = x;
        }
        break;
      default:
        return fail(pc, "unknown instruction class");
    }
  }
  verdict.error = "fell off the end of the program";
  return verdict;
}

SeccompVerdict EvaluateSeccomp(const std::vector<sock_filter>& program, uint32_t arch, int nr,
                               std::initializer_list<uint64_t> args) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  size_t i = 0;
  for (uint64_t arg : args) {
    if (i < 6) data.args[i++] = arg;
  }
  return EvaluateSeccomp(program, data);
}

}  // namespace berth::testing
