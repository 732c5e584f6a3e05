#include "berth/base/error.hpp"

#include <cerrno>
#include <cstring>

namespace berth {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kPermissionDenied: return "permission denied";
    case ErrorCode::kDigestMismatch: return "digest mismatch";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kNetwork: return "network error";
    case ErrorCode::kInternal: return "internal error";
  }
  return "unknown error";
}

static std::string Joined(std::string_view what, const std::string& message) {
  std::string out(what);
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

Error Error::Context(std::string_view what) const& {
  Error e = *this;
  e.message = Joined(what, message);
  return e;
}

Error Error::Context(std::string_view what) && {
  message = Joined(what, message);
  return std::move(*this);
}

std::string Error::ToString() const {
  std::string out = message.empty() ? std::string(ErrorCodeName(code)) : message;
  if (!hint.empty()) out += " (hint: " + hint + ")";
  return out;
}

Error MakeError(ErrorCode code, std::string message, std::string hint) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  e.hint = std::move(hint);
  return e;
}

ErrorCode CodeFromErrno(int err) {
  switch (err) {
    case ENOENT: case ENOTDIR: return ErrorCode::kNotFound;
    case EEXIST: case ENOTEMPTY: return ErrorCode::kAlreadyExists;
    case EACCES: case EPERM: case EROFS: return ErrorCode::kPermissionDenied;
    case EINVAL: case ELOOP: case ENAMETOOLONG: case EXDEV: return ErrorCode::kInvalidArgument;
    case ENOSYS: case EOPNOTSUPP: return ErrorCode::kUnsupported;
    case EBUSY: case EAGAIN: return ErrorCode::kBusy;
    case ECONNREFUSED: case ECONNRESET: case ETIMEDOUT: case EHOSTUNREACH: case ENETUNREACH:
      return ErrorCode::kNetwork;
    default: return ErrorCode::kIo;
  }
}

Error SysError(std::string_view what, int err) {
  Error e;
  e.code = CodeFromErrno(err);
  e.sys_errno = err;
  char buf[128];
  // GNU strerror_r returns a pointer that may or may not be buf.
  const char* text = strerror_r(err, buf, sizeof buf);
  std::string lower(text);
  if (!lower.empty()) lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
  e.message = Joined(what, lower);
  return e;
}

}  // namespace berth
