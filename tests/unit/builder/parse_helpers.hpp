// Small helpers for the Containerfile parser tests: parse text named "Containerfile" and get
// the result, the first instruction, or the error message.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "berth/builder/containerfile.hpp"

namespace berth::builder::testing {

inline Containerfile MustParse(std::string_view text) {
  auto r = Parse(text, "Containerfile");
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : Containerfile{};
}

// The only instruction of `text` (a default Instruction, and a test failure, otherwise).
inline Instruction One(std::string_view text) {
  Containerfile cf = MustParse(text);
  EXPECT_EQ(cf.instructions.size(), 1u) << text;
  return cf.instructions.empty() ? Instruction{} : cf.instructions[0];
}

// The error message for `text`, which must fail with kInvalidArgument; "parsed" if it did not.
inline std::string ParseError(std::string_view text) {
  auto r = Parse(text, "Containerfile");
  if (r) return "parsed";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << text;
  return r.error().message;
}

}  // namespace berth::builder::testing
