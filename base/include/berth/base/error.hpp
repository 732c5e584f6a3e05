// Error values for all of berth.
//
// berth's code does not throw: every fallible function returns `Result<T>` (result.hpp), whose
// failure side is an `Error`. An error is created where a syscall or C library fails
// (`SysError`), and each caller on the way up adds what it was doing (`Context`), so the user
// reads one line such as
//   load image 'alpine': unpack layer sha256:ab12..: open 'etc/passwd': permission denied
// Callers branch on `code`, never on `message`. Value type, thread-compatible.
#pragma once

#include <string>
#include <string_view>

namespace berth {

enum class ErrorCode {
  kNotFound,
  kAlreadyExists,
  kInvalidArgument,
  kPermissionDenied,
  kDigestMismatch,
  kUnauthorized,
  kUnsupported,
  kBusy,
  kIo,
  kNetwork,
  kInternal,
};

// Short lowercase name of a code ("not found"), used when an error has no message.
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  int sys_errno = 0;
  std::string message;  // what the user reads: lowercase, no trailing period
  std::string hint;     // optional advice printed after the message

  // Returns this error with "<what>: " prepended to the message; code and errno are kept.
  Error Context(std::string_view what) const&;
  Error Context(std::string_view what) &&;
  // The one line the CLI prints: "message (hint: ...)".
  std::string ToString() const;
};

// An error with a code and a message.
Error MakeError(ErrorCode code, std::string message, std::string hint = {});

// An error for a failed syscall: "<what>: <strerror(err)>", with the code mapped from errno
// (ENOENT -> kNotFound, EEXIST -> kAlreadyExists, EACCES/EPERM -> kPermissionDenied, ...).
Error SysError(std::string_view what, int err);

// Maps an errno value to the closest ErrorCode.
ErrorCode CodeFromErrno(int err);

}  // namespace berth
