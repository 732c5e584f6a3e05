#include <gtest/gtest.h>

#include <cstring>

#include "berth/runner/device_bpf.hpp"
#include "berth/runner/device_rules.hpp"

namespace berth::runner {
namespace {

constexpr uint32_t kR = kDeviceAccessRead, kW = kDeviceAccessWrite, kM = kDeviceAccessMknod;

TEST(CgroupDevicesTest, DefaultRules) {
  auto rules = DefaultDeviceRules();
  EXPECT_EQ(rules.front().ToString(), "a *:* rwm");
  EXPECT_FALSE(rules.front().allow);
  EXPECT_TRUE(DeviceRulesAllow(rules, 'c', 1, 3, kR | kW));      // /dev/null
  EXPECT_TRUE(DeviceRulesAllow(rules, 'c', 136, 4, kR | kW));    // /dev/pts/4
  EXPECT_TRUE(DeviceRulesAllow(rules, 'c', 5, 2, kR | kW));      // /dev/ptmx
  EXPECT_TRUE(DeviceRulesAllow(rules, 'c', 10, 229, kM));        // mknod is allowed ...
  EXPECT_FALSE(DeviceRulesAllow(rules, 'c', 10, 229, kR | kW));  // ... opening /dev/fuse not
  EXPECT_FALSE(DeviceRulesAllow(rules, 'c', 10, 200, kR));       // /dev/net/tun
  EXPECT_FALSE(DeviceRulesAllow(rules, 'c', 1, 11, kR));         // /dev/kmsg
  EXPECT_FALSE(DeviceRulesAllow(rules, 'b', 7, 0, kR));          // /dev/loop0
  EXPECT_TRUE(DeviceRulesAllow(rules, 'b', 7, 0, kM));
  EXPECT_FALSE(DeviceRulesAllow(rules, 'b', 1, 3, kR));  // block 1:3 is not null
}

TEST(CgroupDevicesTest, LastMatchWinsAndNoMatchAllows) {
  std::vector<DeviceRule> rules = {{true, 'c', 1, 3, "r"}};
  EXPECT_TRUE(DeviceRulesAllow(rules, 'c', 9, 9, kR | kW));  // nothing matches: allowed
  rules = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "r"}};
  EXPECT_TRUE(DeviceRulesAllow(rules, 'c', 1, 3, kR));
  EXPECT_FALSE(DeviceRulesAllow(rules, 'c', 1, 3, kR | kW));  // w is not in the rule
  rules.push_back({false, 'c', 1, -1, "w"});
  EXPECT_TRUE(DeviceRulesAllow(rules, 'c', 1, 3, kR));
  EXPECT_FALSE(DeviceRulesAllow(rules, 'c', 1, 3, kW));
}

TEST(CgroupDevicesTest, ParseAndPrint) {
  auto r = ParseDeviceRule("c 1:3 rwm");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (DeviceRule{true, 'c', 1, 3, "rwm"}));
  r = ParseDeviceRule(" b *:5 wr ", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (DeviceRule{false, 'b', -1, 5, "rw"}));
  EXPECT_EQ(r->ToString(), "b *:5 rw");
  r = ParseDeviceRule("c 136:*");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ToString(), "c 136:* rwm");
  r = ParseDeviceRule("a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ToString(), "a *:* rwm");
  for (const char* bad :
       {"", "x 1:3 r", "c 1 r", "c 1:3 rx", "c a:3", "c 1:3 r extra", "c", "cc 1:3"}) {
    auto e = ParseDeviceRule(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(e.error().message.find(std::string("'") + bad + "'"), std::string::npos);
  }
}

// Runs the subset of eBPF that CompileDeviceProgram emits on one request, as the kernel
// would; any other instruction fails the test.
int RunProgram(const std::vector<bpf_insn>& prog, const bpf_cgroup_dev_ctx& ctx) {
  uint64_t reg[11] = {};
  size_t pc = 0;
  for (int steps = 0; steps < 100000 && pc < prog.size(); ++steps) {
    const bpf_insn& i = prog[pc++];
    uint64_t imm = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
    switch (i.code) {
      case BPF_LDX | BPF_MEM | BPF_W: {
        EXPECT_EQ(i.src_reg, 1) << "loads must come from the context (r1)";
        EXPECT_TRUE(i.off == 0 || i.off == 4 || i.off == 8) << i.off;
        uint32_t v;
        std::memcpy(&v, reinterpret_cast<const char*>(&ctx) + i.off, sizeof v);
        reg[i.dst_reg] = v;
        break;
      }
      case BPF_ALU64 | BPF_MOV | BPF_X:
        reg[i.dst_reg] = reg[i.src_reg];
        break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        reg[i.dst_reg] = imm;
        break;
      case BPF_ALU64 | BPF_AND | BPF_K:
        reg[i.dst_reg] &= imm;
        break;
      case BPF_ALU64 | BPF_RSH | BPF_K:
        reg[i.dst_reg] >>= i.imm;
        break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (reg[i.dst_reg] != imm) pc += i.off;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        if (reg[i.dst_reg] == imm) pc += i.off;
        break;
      case BPF_JMP | BPF_EXIT:
        return static_cast<int>(reg[0]);
      default:
        ADD_FAILURE() << "unexpected opcode " << int(i.code) << " at " << pc - 1;
        return -1;
    }
  }
  ADD_FAILURE() << "the program ran off its end";
  return -1;
}

TEST(CgroupDevicesTest, BpfProgramDecidesAsTheRules) {
  const std::vector<std::vector<DeviceRule>> rule_sets = {
      DefaultDeviceRules(),
      {},
      {{true, 'c', 1, 3, "r"}},
      {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, -1, "rw"}, {false, 'c', 1, 5, "w"}},
      {{false, 'b', -1, -1, "m"}, {true, 'a', 7, -1, "rwm"}, {false, 'a', -1, 3, "r"}},
      {{true, 'c', -1, -1, "m"}, {false, 'a', -1, -1, "rwm"}},  // the deny-all shadows the rest
  };
  size_t checked = 0;
  for (const auto& rules : rule_sets) {
    auto prog = CompileDeviceProgram(rules);
    for (char type : {'c', 'b'}) {
      for (uint32_t major : {1u, 5u, 7u, 10u, 136u}) {
        for (uint32_t minor : {0u, 2u, 3u, 5u, 200u, 229u}) {
          for (uint32_t access = 1; access <= 7; ++access) {
            bpf_cgroup_dev_ctx ctx{};
            ctx.access_type =
                (access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
            ctx.major = major;
            ctx.minor = minor;
            int want = DeviceRulesAllow(rules, type, major, minor, access) ? 1 : 0;
            ASSERT_EQ(RunProgram(prog, ctx), want)
                << "rule set " << (&rules - rule_sets.data()) << " " << type << " " << major << ":"
                << minor << " access " << access;
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, rule_sets.size() * 2 * 5 * 6 * 7);
}

TEST(CgroupDevicesTest, BpfProgramHasNoUnreachableTail) {
  // The verifier rejects unreachable instructions: nothing follows an unconditional rule.
  auto prog = CompileDeviceProgram({{true, 'c', 1, 3, "rwm"}, {false, 'a', -1, -1, "rwm"}});
  ASSERT_FALSE(prog.empty());
  EXPECT_EQ(prog.back().code, BPF_JMP | BPF_EXIT);
  EXPECT_EQ(prog[prog.size() - 2].imm, 0);  // deny all
  EXPECT_EQ(prog.size(), 8u);               // 6 prologue + mov r0 + exit
}

}  // namespace
}  // namespace berth::runner
