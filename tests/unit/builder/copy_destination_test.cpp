#include "berth/builder/copy_destination.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::builder {
namespace {

CopyDestination Dest(const std::string& workdir, const std::string& dest, size_t matched = 1,
                     std::vector<std::string> sources = {"src"}) {
  auto r = ResolveCopyDestination({"COPY", std::move(sources), dest, workdir, matched});
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? *r : CopyDestination{};
}

TEST(CopyDestinationTest, RelativeDestinationIsUnderWorkdir) {
  EXPECT_EQ(Dest("/app", "conf"), (CopyDestination{"/app/conf", false}));
  EXPECT_EQ(Dest("/app", "conf/"), (CopyDestination{"/app/conf", true}));
  EXPECT_EQ(Dest("/app", "."), (CopyDestination{"/app", true}));
  EXPECT_EQ(Dest("/app", "./"), (CopyDestination{"/app", true}));
  EXPECT_EQ(Dest("/app/x", ".."), (CopyDestination{"/app", true}));
  EXPECT_EQ(Dest("/app", "a/./b/../c"), (CopyDestination{"/app/a/c", false}));
  EXPECT_EQ(Dest("/app", "sub/."), (CopyDestination{"/app/sub", true}));
  EXPECT_EQ(Dest("", "x"), (CopyDestination{"/x", false}));
  EXPECT_EQ(Dest("relative", "x"), (CopyDestination{"/relative/x", false}));
  EXPECT_EQ(Dest("/", "../../x"), (CopyDestination{"/x", false}));
}

TEST(CopyDestinationTest, AbsoluteDestinationIgnoresWorkdir) {
  EXPECT_EQ(Dest("/app", "/etc/app.conf"), (CopyDestination{"/etc/app.conf", false}));
  EXPECT_EQ(Dest("/app", "/etc//"), (CopyDestination{"/etc", true}));
  EXPECT_EQ(Dest("/app", "/"), (CopyDestination{"/", true}));
  EXPECT_EQ(Dest("/app", "/../x"), (CopyDestination{"/x", false}));
}

TEST(CopyDestinationTest, SeveralSourcesNeedADirectoryDestination) {
  auto r = ResolveCopyDestination({"COPY", {"a", "b"}, "c", "/", 2});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message,
            "COPY a b c: when copying several sources the destination must end with /");
  // One argument whose wildcard matched several paths counts as several.
  auto glob = ResolveCopyDestination({"ADD", {"*.txt"}, "/out", "/", 3});
  ASSERT_FALSE(glob);
  EXPECT_EQ(glob.error().message,
            "ADD *.txt /out: when copying several sources the destination must end with /");
  // Two arguments are several even when one of them matched nothing yet.
  EXPECT_FALSE(ResolveCopyDestination({"COPY", {"a", "b"}, "c", "/", 1}));
  EXPECT_EQ(Dest("/app", "c/", 2, {"a", "b"}), (CopyDestination{"/app/c", true}));
  EXPECT_EQ(Dest("/app", ".", 3, {"*.txt"}), (CopyDestination{"/app", true}));
  // A wildcard that matched one path is one source.
  EXPECT_EQ(Dest("/app", "one.txt", 1, {"*.txt"}), (CopyDestination{"/app/one.txt", false}));
}

TEST(CopyDestinationTest, FileSourceLandsAtOrInsideTheDestination) {
  CopyDestination file{"/app/conf", false};
  EXPECT_EQ(CopyTargetFor(file, "src/a.txt", false),
            (CopyTarget{"/app/conf", "/app", "/app/conf/a.txt"}));
  CopyDestination dir{"/app/conf", true};
  EXPECT_EQ(CopyTargetFor(dir, "src/a.txt", false),
            (CopyTarget{"/app/conf/a.txt", "/app/conf", ""}));
  EXPECT_EQ(CopyTargetFor(CopyDestination{"/", true}, "a.txt", false),
            (CopyTarget{"/a.txt", "/", ""}));
  EXPECT_EQ(CopyTargetFor(CopyDestination{"/x", false}, "a.txt", false),
            (CopyTarget{"/x", "/", "/x/a.txt"}));
  // The name at the destination is the matched name, not a symlink's target.
  EXPECT_EQ(CopyTargetFor(dir, "link", false).path, "/app/conf/link");
}

TEST(CopyDestinationTest, DirectorySourceCopiesItsContents) {
  for (bool spelled_dir : {false, true}) {
    CopyDestination d{"/app/conf", spelled_dir};
    EXPECT_EQ(CopyTargetFor(d, "src/etc", true), (CopyTarget{"/app/conf", "/app/conf", ""}));
    EXPECT_EQ(CopyTargetFor(d, ".", true), (CopyTarget{"/app/conf", "/app/conf", ""}));
  }
}

}  // namespace
}  // namespace berth::builder
