#include "server/util/numbers.h"

#include <fast_float/fast_float.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sable {
namespace {

// Redis's MAX_LONG_DOUBLE_CHARS: the longest input string2ld() accepts (exclusive) and the buffer
// ld2string() formats into.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// Redis's LONG_STR_SIZE: string2ll() rejects inputs of this length or more.
constexpr size_t kMaxInt64Chars = 20;

// Integral doubles strictly inside +-2^52 format through the integer path, as Redis's d2string()
// does; "%.17g" would print the same digits, only slower.
constexpr double kIntegralDoubleLimit = 4503599627370496.0;

// isspace() in the C locale, which is what Redis runs its parsers under.
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Parses [p, end) as digits with a non-zero first digit, failing on any other byte or on uint64_t
// overflow.
inline bool ParseDigits(const char* p, const char* end, uint64_t* out) {
  if (p == end || *p < '1' || *p > '9') return false;
  uint64_t v = 0;
  for (; p != end; ++p) {
    const unsigned digit = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
    if (digit > 9) return false;
    if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, digit, &v)) return false;
  }
  *out = v;
  return true;
}

// True if no mantissa digit of an accepted decimal string is non-zero, i.e. a parsed 0 is a real
// zero rather than an underflow (which Redis rejects).
inline bool IsLiteralZero(std::string_view s) {
  for (char c : s) {
    if (c == 'e' || c == 'E') break;
    if (c >= '1' && c <= '9') return false;
  }
  return true;
}

// The strtod() path of Redis's string2d(), for the inputs fast_float does not settle: infinities,
// NaN, hex floats, a leading '+', denormals, overflow and malformed text.
bool ParseDoubleWithStrtod(std::string_view s, double* out) {
  if (IsSpace(s[0])) return false;  // strtod() would skip it, Redis refuses it.
  // strtod() needs a terminator; an embedded NUL then ends parsing early and fails the length
  // check below, as it does for Redis.
  char small[128];
  std::string large;
  const char* text;
  if (s.size() < sizeof(small)) {
    memcpy(small, s.data(), s.size());
    small[s.size()] = '\0';
    text = small;
  } else {
    large.assign(s);
    text = large.c_str();
  }
  errno = 0;
  char* end;
  const double v = strtod(text, &end);
  if (static_cast<size_t>(end - text) != s.size()) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseInt64(std::string_view s, int64_t* out) {
  const size_t n = s.size();
  if (n == 0 || n > kMaxInt64Chars) return false;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  const bool negative = s[0] == '-';
  uint64_t v;
  if (!ParseDigits(s.data() + negative, s.data() + n, &v)) return false;
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseUint64(std::string_view s, uint64_t* out) {
  const size_t n = s.size();
  if (n == 0 || n > kMaxInt64Chars) return false;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  return ParseDigits(s.data(), s.data() + n, out);
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= kMaxLongDoubleChars || IsSpace(s[0])) return false;
  char buf[kMaxLongDoubleChars];
  memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end;
  const long double v = strtold(buf, &end);
  if (static_cast<size_t>(end - buf) != s.size()) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  if (errno == EINVAL || std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  // fast_float rounds decimal text exactly as glibc's strtod() does, so when it consumes the whole
  // input and lands on an ordinary value the answer is Redis's; everything else goes to strtod().
  const char* first = s.data();
  const char* last = first + s.size();
  double v;
  const fast_float::from_chars_result r = fast_float::from_chars(first, last, v);
  if (r.ec == std::errc() && r.ptr == last && (std::isnormal(v) || (v == 0 && IsLiteralZero(s)))) {
    *out = v;
    return true;
  }
  return ParseDoubleWithStrtod(s, out);
}

size_t FormatUint64(uint64_t v, char* buf) {
  return static_cast<size_t>(std::to_chars(buf, buf + kInt64BufSize, v).ptr - buf);
}

size_t FormatInt64(int64_t v, char* buf) {
  return static_cast<size_t>(std::to_chars(buf, buf + kInt64BufSize, v).ptr - buf);
}

std::string FormatLongDouble(long double v) {
  // Spelled out because libc spellings of infinity vary across platforms; Redis does the same.
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[kMaxLongDoubleChars];
  const int written = snprintf(buf, sizeof(buf), "%.17Lf", v);
  // Redis yields an empty string when the text does not fit its buffer. The largest finite long
  // double needs under 5000 bytes, so this is only a guard.
  if (written < 0 || static_cast<size_t>(written) + 1 > sizeof(buf)) return std::string();
  size_t len = static_cast<size_t>(written);
  if (memchr(buf, '.', len) != nullptr) {
    while (buf[len - 1] == '0') --len;
    if (buf[len - 1] == '.') --len;
  }
  // Tiny negative values round to "-0", which Redis reports as plain "0".
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, len);
}

size_t FormatDouble(double v, char* buf) {
  if (std::isnan(v)) {
    memcpy(buf, "nan", 3);
    return 3;
  }
  if (std::isinf(v)) {
    if (v > 0) {
      memcpy(buf, "inf", 3);
      return 3;
    }
    memcpy(buf, "-inf", 4);
    return 4;
  }
  if (v > -kIntegralDoubleLimit && v < kIntegralDoubleLimit) {
    const int64_t i = static_cast<int64_t>(v);
    if (static_cast<double>(i) == v) {
      if (i == 0 && std::signbit(v)) {
        memcpy(buf, "-0", 2);
        return 2;
      }
      return FormatInt64(i, buf);
    }
  }
  // std::to_chars with a precision is specified to produce exactly printf's "%.17g" text.
  return static_cast<size_t>(
      std::to_chars(buf, buf + kDoubleBufSize, v, std::chars_format::general, 17).ptr - buf);
}

}  // namespace sable
