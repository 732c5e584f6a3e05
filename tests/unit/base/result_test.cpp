#include "berth/base/result.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include "berth/base/error.hpp"

namespace berth {
namespace {

Result<int> Half(int v) {
  if (v % 2) return MakeError(ErrorCode::kInvalidArgument, "odd value " + std::to_string(v));
  return v / 2;
}

Result<int> Quarter(int v) {
  BERTH_ASSIGN_OR_RETURN(int h, Half(v));
  auto q = Half(h);
  if (!q) return q.error().Context("quarter of " + std::to_string(v));
  return *q;
}

Result<void> CheckPositive(int v) {
  if (v <= 0) return MakeError(ErrorCode::kInvalidArgument, "not positive");
  return Ok();
}

Result<void> CheckBoth(int a, int b) {
  BERTH_TRY(CheckPositive(a));
  BERTH_TRY(CheckPositive(b));
  return Ok();
}

TEST(ResultTest, ValuesAndErrorsPropagateWithContext) {
  auto ok = Quarter(8);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  auto bad = Quarter(6);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "quarter of 6: odd value 3");
  EXPECT_TRUE(CheckBoth(1, 2));
  EXPECT_FALSE(CheckBoth(1, 0));
}

TEST(ErrorTest, SysErrorMapsErrnoAndFormats) {
  Error e = SysError("open '/x'", ENOENT);
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.sys_errno, ENOENT);
  EXPECT_EQ(e.message, "open '/x': no such file or directory");
  EXPECT_EQ(SysError("mkdir", EEXIST).code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(SysError("mount", EPERM).code, ErrorCode::kPermissionDenied);
  Error h = MakeError(ErrorCode::kBusy, "mount overlay", "too many mounts");
  EXPECT_EQ(h.ToString(), "mount overlay (hint: too many mounts)");
  EXPECT_EQ(e.Context("load image").ToString(), "load image: open '/x': no such file or directory");
}

}  // namespace
}  // namespace berth
