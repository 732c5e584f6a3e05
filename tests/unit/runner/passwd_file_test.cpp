#include "berth/runner/passwd_file.hpp"

#include <gtest/gtest.h>

namespace berth::runner {
namespace {

TEST(PasswdFileTest, ParsesEveryFieldAndKeepsFileOrder) {
  auto users = ParsePasswd(
      "root:x:0:0:root:/root:/bin/ash\n"
      "nobody:x:65534:65534:nobody:/:/sbin/nologin\n");
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0], (PasswdEntry{"root", 0, 0, "/root", "/bin/ash"}));
  EXPECT_EQ(users[1], (PasswdEntry{"nobody", 65534, 65534, "/", "/sbin/nologin"}));
}

TEST(PasswdFileTest, SkipsCommentsBlankAndMalformedLinesAsLibcDoes) {
  auto users = ParsePasswd(
      "# comment\n"
      "\n"
      "   \t\n"
      "  alice:x:1000:1000::/home/alice:/bin/sh  \r\n"  // surrounding white space and CRLF
      "short:x:1\n"                                     // too few fields
      ":x:5:5::/:/bin/sh\n"                             // empty name
      "evil:x:abc:0::/:/bin/sh\n"                       // not a number: not uid 0
      "neg:x:-1:0::/:/bin/sh\n"
      "huge:x:4294967295:0::/:/bin/sh\n"  // (uid_t)-1
      "big:x:99999999999:0::/:/bin/sh\n"
      "min:x:7:8\n"                           // no gecos, home or shell: fine
      "bob:x:1001:1001::/home/bob:/bin/sh");  // no final newline
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[0], (PasswdEntry{"alice", 1000, 1000, "/home/alice", "/bin/sh"}));
  EXPECT_EQ(users[1], (PasswdEntry{"min", 7, 8, "", ""}));
  EXPECT_EQ(users[2].name, "bob");
}

TEST(PasswdFileTest, ParsesGroupsAndMemberLists) {
  auto groups = ParseGroup(
      "root:x:0:root\n"
      "# wheel:x:10:alice\n"
      "adm:x:4:root, adm ,,daemon\n"
      "nomembers:x:50:\n"
      "nolist:x:51\n"
      "bad:x:zz:alice\n"
      "x:y\n");
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[0], (GroupEntry{"root", 0, {"root"}}));
  EXPECT_EQ(groups[1], (GroupEntry{"adm", 4, {"root", "adm", "daemon"}}));
  EXPECT_EQ(groups[2], (GroupEntry{"nomembers", 50, {}}));
  EXPECT_EQ(groups[3], (GroupEntry{"nolist", 51, {}}));
}

TEST(PasswdFileTest, ParseIdAcceptsOnlyPlainDecimalIds) {
  uint32_t id = 99;
  EXPECT_TRUE(ParseId("0", &id));
  EXPECT_EQ(id, 0u);
  EXPECT_TRUE(ParseId("4294967294", &id));
  EXPECT_EQ(id, 4294967294u);
  for (const char* bad : {"", "4294967295", "12345678901", "+1", "-1", " 1", "1a", "0x10"}) {
    EXPECT_FALSE(ParseId(bad, &id)) << bad;
  }
}

}  // namespace
}  // namespace berth::runner
