// Results of data operations (Op* functions), kept apart from replies: one table maps each
// status to Redis's error text.
#pragma once

#include <string_view>
#include <utility>

#include "server/resp/errors.h"

namespace sable {

enum class OpStatus {
  kOk,
  kKeyNotFound,
  kWrongType,
  kSkipped,       // a condition (NX/XX...) said not to act
  kNotInteger,
  kNotFloat,
  kOverflow,
  kNaNOrInfinity,
  kOutOfRange,
  kStringTooLong,
  kSyntax,
};

// Redis's error text for a failed status (empty for kOk/kSkipped/kKeyNotFound).
inline std::string_view OpStatusError(OpStatus s) {
  switch (s) {
    case OpStatus::kWrongType:
      return errors::kWrongType;
    case OpStatus::kNotInteger:
      return errors::kNotInteger;
    case OpStatus::kNotFloat:
      return errors::kNotFloat;
    case OpStatus::kOverflow:
      return errors::kOverflow;
    case OpStatus::kNaNOrInfinity:
      return errors::kIncrFloatNaN;
    case OpStatus::kOutOfRange:
      return errors::kOffsetOutOfRange;
    case OpStatus::kStringTooLong:
      return errors::kStringTooLong;
    case OpStatus::kSyntax:
      return errors::kSyntax;
    default:
      return {};
  }
}

template <typename T>
class OpResult {
 public:
  OpResult(T value) : status_(OpStatus::kOk), value_(std::move(value)) {}  // NOLINT
  OpResult(OpStatus status) : status_(status), value_() {}                 // NOLINT
  bool ok() const { return status_ == OpStatus::kOk; }
  OpStatus status() const { return status_; }
  const T& value() const { return value_; }
  T& value() { return value_; }

 private:
  OpStatus status_;
  T value_;
};

}  // namespace sable
