#include "berth/runner/capabilities.hpp"

#include <gtest/gtest.h>
#include <linux/capability.h>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"

namespace berth::runner {
namespace {

constexpr int kLast = 40;  // cap_last_cap of the kernels berth targets (5.9+)

CapabilitySet Of(std::initializer_list<int> caps) {
  CapabilitySet set;
  for (int c : caps) set.Add(c);
  return set;
}

TEST(CapabilitiesTest, ParsesNamesWithOrWithoutPrefixInAnyCase) {
  for (const char* name : {"CAP_NET_ADMIN", "NET_ADMIN", "net_admin", "cap_net_admin",
                           "Cap_Net_Admin", " NET_ADMIN "}) {
    auto cap = ParseCapability(name);
    ASSERT_TRUE(cap) << name << ": " << cap.error().ToString();
    EXPECT_EQ(*cap, CAP_NET_ADMIN) << name;
  }
  EXPECT_EQ(*ParseCapability("chown"), CAP_CHOWN);
  EXPECT_EQ(*ParseCapability("CAP_CHECKPOINT_RESTORE"), CAP_CHECKPOINT_RESTORE);
}

TEST(CapabilitiesTest, UnknownNameIsAnErrorNamingTheValue) {
  for (const char* name : {"NET_ADMINS", "CAP_", "", "ALL", "CAP_NET ADMIN"}) {
    auto cap = ParseCapability(name);
    ASSERT_FALSE(cap) << name;
    EXPECT_EQ(cap.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(cap.error().message.find("'" + std::string(name) + "'"), std::string::npos)
        << cap.error().message;
  }
}

TEST(CapabilitiesTest, DockerDefaultIsExactlyMobysFourteen) {
  CapabilitySet caps = DockerDefaultCapabilities();
  EXPECT_EQ(caps.size(), 14);
  EXPECT_EQ(caps.ToString(),
            "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_SETGID,CAP_SETUID,"
            "CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_NET_RAW,CAP_SYS_CHROOT,CAP_MKNOD,"
            "CAP_AUDIT_WRITE,CAP_SETFCAP");
  EXPECT_FALSE(caps.Has(CAP_SYS_ADMIN));
  EXPECT_FALSE(caps.Has(CAP_NET_ADMIN));
  EXPECT_FALSE(caps.Has(CAP_SYS_PTRACE));
}

TEST(CapabilitiesTest, SetOperationsAndPrinting) {
  CapabilitySet set;
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.ToString(), "none");
  set.Add(CAP_KILL);
  set.Add(CAP_BPF);
  set.Add(64);  // out of range: ignored
  set.Add(-1);
  EXPECT_EQ(set.size(), 2);
  EXPECT_EQ(set.mask(), (uint64_t{1} << CAP_KILL) | (uint64_t{1} << CAP_BPF));
  EXPECT_EQ(set.Names(), (std::vector<std::string>{"CAP_KILL", "CAP_BPF"}));
  set.Remove(CAP_KILL);
  EXPECT_FALSE(set.Has(CAP_KILL));
  EXPECT_EQ(CapabilityName(45), "CAP_45");
  EXPECT_EQ(CapabilitySet::All(kLast).size(), 41);
  EXPECT_EQ(CapabilitySet::All(kMaxCap).mask(), ~uint64_t{0});
  std::ostringstream out;
  out << Of({CAP_CHOWN, CAP_SYS_ADMIN});
  EXPECT_EQ(out.str(), "CAP_CHOWN,CAP_SYS_ADMIN");
}

TEST(CapabilitiesTest, NoFlagsGiveTheDefault) {
  auto caps = ResolveCapabilities({}, {}, false, kLast);
  ASSERT_TRUE(caps);
  EXPECT_EQ(*caps, DockerDefaultCapabilities());
}

TEST(CapabilitiesTest, DropThenAdd) {
  auto caps =
      ResolveCapabilities({"NET_ADMIN", "sys_ptrace"}, {"CAP_MKNOD", "net_raw"}, false, kLast);
  ASSERT_TRUE(caps);
  CapabilitySet want = DockerDefaultCapabilities();
  want.Remove(CAP_MKNOD);
  want.Remove(CAP_NET_RAW);
  want.Add(CAP_NET_ADMIN);
  want.Add(CAP_SYS_PTRACE);
  EXPECT_EQ(*caps, want);
  // A capability both added and dropped is added (Docker drops first).
  EXPECT_TRUE(ResolveCapabilities({"KILL"}, {"KILL"}, false, kLast)->Has(CAP_KILL));
}

TEST(CapabilitiesTest, DropAllKeepsOnlyTheAdded) {
  EXPECT_EQ(*ResolveCapabilities({"NET_RAW"}, {"ALL"}, false, kLast), Of({CAP_NET_RAW}));
  EXPECT_TRUE(ResolveCapabilities({}, {"all"}, false, kLast)->empty());
  EXPECT_TRUE(ResolveCapabilities({}, {"CAP_ALL"}, false, kLast)->empty());
}

TEST(CapabilitiesTest, AddAllGivesEverythingButTheDropped) {
  CapabilitySet want = CapabilitySet::All(kLast);
  want.Remove(CAP_SYS_ADMIN);
  EXPECT_EQ(*ResolveCapabilities({"ALL"}, {"SYS_ADMIN"}, false, kLast), want);
  // Docker: --cap-add ALL wins over --cap-drop ALL.
  EXPECT_EQ(*ResolveCapabilities({"ALL"}, {"ALL"}, false, kLast), CapabilitySet::All(kLast));
  EXPECT_EQ(ResolveCapabilities({"ALL"}, {}, false, 38)->size(), 39);
}

TEST(CapabilitiesTest, PrivilegedGetsEveryCapabilityOfTheKernel) {
  EXPECT_EQ(*ResolveCapabilities({}, {"ALL"}, true, kLast), CapabilitySet::All(kLast));
  EXPECT_EQ(*ResolveCapabilities({}, {}, true, 37), CapabilitySet::All(37));
}

TEST(CapabilitiesTest, BadFlagValuesAreErrorsNamingTheFlag) {
  auto add = ResolveCapabilities({"NET_ADMIN", "FLY"}, {}, false, kLast);
  ASSERT_FALSE(add);
  EXPECT_EQ(add.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(add.error().message, "--cap-add: unknown capability 'FLY'");
  auto drop = ResolveCapabilities({}, {"sys_admn"}, false, kLast);
  ASSERT_FALSE(drop);
  EXPECT_EQ(drop.error().message, "--cap-drop: unknown capability 'sys_admn'");
  // A capability this kernel does not have (cap_last_cap 37: no PERFMON).
  auto newer = ResolveCapabilities({"PERFMON"}, {}, false, 37);
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("CAP_PERFMON is not supported by this kernel"),
            std::string::npos)
      << newer.error().message;
}

TEST(CapabilitiesTest, LastCapReadsTheProcFile) {
  auto t = TempDir::Create(::testing::TempDir(), "caps-");
  ASSERT_TRUE(t);
  ASSERT_TRUE(MakeDirs(t->path() / "sys/kernel"));
  ASSERT_TRUE(WriteFileAtomic(t->path() / "sys/kernel/cap_last_cap", "40\n"));
  auto last = LastCap(t->path());
  ASSERT_TRUE(last) << last.error().ToString();
  EXPECT_EQ(*last, 40);
  ASSERT_TRUE(WriteFileAtomic(t->path() / "sys/kernel/cap_last_cap", "forty\n"));
  auto bad = LastCap(t->path());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("cap_last_cap"), std::string::npos);
  auto missing = LastCap(t->path() / "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(CapabilitiesTest, LastCapOfThisKernelCoversTheDefaultSet) {
  auto last = LastCap();
  ASSERT_TRUE(last) << last.error().ToString();
  EXPECT_GE(*last, CAP_AUDIT_WRITE);
}

}  // namespace
}  // namespace berth::runner
