// Result<T>: a value or an Error (error.hpp).
//
// `Result<T>` is [[nodiscard]]; test it with `if (!r)`, read it with `*r` / `r->`, and get
// the failure with `r.error()`. `Result<void>` carries only success or an Error. Propagate
// with `BERTH_TRY(expr)` (for Result<void> or any Result whose value is unused) and
// `BERTH_ASSIGN_OR_RETURN(lhs, expr)`. Value type; thread-compatible.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "berth/base/error.hpp"

namespace berth {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

}  // namespace berth

#define BERTH_CONCAT_INNER_(a, b) a##b
#define BERTH_CONCAT_(a, b) BERTH_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Result); on failure returns its Error from the enclosing function.
#define BERTH_TRY(expr)                                    \
  do {                                                     \
    auto&& berth_try_r_ = (expr);                          \
    if (!berth_try_r_) return std::move(berth_try_r_).error(); \
  } while (0)

// Evaluates `expr` (a Result<T>); on failure returns its Error, else moves the value to `lhs`
// (which may be a declaration such as `auto fd`).
#define BERTH_ASSIGN_OR_RETURN(lhs, expr) \
  BERTH_ASSIGN_OR_RETURN_IMPL_(BERTH_CONCAT_(berth_r_, __LINE__), lhs, expr)
#define BERTH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp) return std::move(tmp).error();           \
  lhs = std::move(tmp).value()
