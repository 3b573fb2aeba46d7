// String <-> number conversions with Redis 7.0's exact acceptance rules and output formats. Clients
// see these rules directly (which strings count as integers, how INCRBYFLOAT and scores print), so
// each function documents the Redis routine it mirrors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sable {

// Enough room for any FormatInt64 / FormatUint64 output ("-9223372036854775808" is 20 bytes).
constexpr size_t kInt64BufSize = 21;
// Enough room for any FormatDouble output.
constexpr size_t kDoubleBufSize = 64;

// Redis string2ll(): optional '-', then digits with no leading zeros ("0" alone is fine, "-0" is
// not), no spaces or '+', at most 20 bytes, no overflow. Leaves *out untouched on failure.
bool ParseInt64(std::string_view s, int64_t* out);

// ParseInt64's grammar without the sign, over the full uint64_t range.
bool ParseUint64(std::string_view s, uint64_t* out);

// Redis string2ld(): strtold() over the whole input, rejecting empty or over-long (>= 5120 bytes)
// input, leading whitespace, trailing bytes, NaN, overflow and underflow to zero.
bool ParseLongDouble(std::string_view s, long double* out);

// Redis string2d() / getDoubleFromObject(), used for scores: strtod() over the whole input, so
// "inf", "+inf", "-inf", "1e3", hex floats are accepted; rejects empty input, leading whitespace,
// trailing bytes, NaN, overflow and underflow to zero.
bool ParseDouble(std::string_view s, double* out);

// Writes the decimal form of `v` to `buf` (at least kInt64BufSize bytes, no NUL written) and
// returns its length.
size_t FormatInt64(int64_t v, char* buf);
size_t FormatUint64(uint64_t v, char* buf);

// Redis ld2string() in LD_STR_HUMAN mode, as INCRBYFLOAT replies and stores: "%.17Lf" with
// trailing zeros and a trailing '.' removed, "-0" turned into "0", infinities as "inf"/"-inf".
std::string FormatLongDouble(long double v);

// Redis 7.0's d2string() / addReplyDouble() text: "%.17g", with "inf", "-inf" and "nan" spelled
// out. `buf` must hold kDoubleBufSize bytes; no NUL is written. Returns the length.
size_t FormatDouble(double v, char* buf);

}  // namespace sable
