// Errors as values for pure code: a Result<T> holds a T or an Error.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace fbl {

enum class ErrorCode {
  kInvalidArgument,  // the caller's input is wrong (bad address, bad config value)
  kMalformed,        // outside input could not be parsed
  kLimitExceeded,    // outside input exceeded a configured limit
  kNotFound,
  kConflict,
  kUnavailable,      // a dependency (database, server) is temporarily unusable: retry
  kIo,               // the environment is broken (disk, permissions)
  kInternal,         // our own bug
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string detail;

  std::string ToString() const { return std::string(ErrorCodeName(code)) + ": " + detail; }
};

inline Error MakeError(ErrorCode code, std::string detail) { return Error{code, std::move(detail)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok()
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;
inline Status OkStatus() { return Status(); }

}  // namespace fbl
