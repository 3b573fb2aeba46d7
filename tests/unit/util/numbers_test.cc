#include "server/util/numbers.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace sable {
namespace {

using namespace std::string_literals;

bool Int64Ok(std::string_view s, int64_t expected) {
  int64_t v = 12345;
  return ParseInt64(s, &v) && v == expected;
}

bool Int64Rejected(std::string_view s) {
  int64_t v = 12345;
  return !ParseInt64(s, &v) && v == 12345;
}

TEST(ParseInt64Test, AcceptsCanonicalIntegers) {
  EXPECT_TRUE(Int64Ok("0", 0));
  EXPECT_TRUE(Int64Ok("1", 1));
  EXPECT_TRUE(Int64Ok("-1", -1));
  EXPECT_TRUE(Int64Ok("10", 10));
  EXPECT_TRUE(Int64Ok("1234567890", 1234567890));
  EXPECT_TRUE(Int64Ok("9223372036854775807", INT64_MAX));
  EXPECT_TRUE(Int64Ok("-9223372036854775808", INT64_MIN));
  EXPECT_TRUE(Int64Ok("-9223372036854775807", INT64_MIN + 1));
}

TEST(ParseInt64Test, RejectsWhatRedisRejects) {
  for (const char* s : {"",
                        "-",
                        "+1",
                        "01",
                        "00",
                        "-0",
                        "-01",
                        " 1",
                        "1 ",
                        "1a",
                        "a1",
                        "1.0",
                        "1e3",
                        "0x10",
                        "--1",
                        "9223372036854775808",
                        "-9223372036854775809",
                        "18446744073709551615",
                        "18446744073709551616",
                        "99999999999999999999",
                        "123456789012345678901",
                        "-00000000000000000001"}) {
    EXPECT_TRUE(Int64Rejected(s)) << s;
  }
  EXPECT_TRUE(Int64Rejected("1\0"s));
  EXPECT_TRUE(Int64Rejected("\0"s));
  EXPECT_TRUE(Int64Rejected("0\0"s));
}

TEST(ParseInt64Test, RejectsOverlongInputEvenIfNumeric) {
  // 21 bytes is over Redis's limit even when the value would fit.
  EXPECT_TRUE(Int64Rejected("-9223372036854775808 "));
  EXPECT_TRUE(Int64Rejected(std::string(21, '1')));
}

TEST(ParseInt64Test, RoundTripsFormatInt64) {
  std::mt19937_64 rng(42);
  char buf[kInt64BufSize];
  for (int i = 0; i < 20000; ++i) {
    int64_t v = static_cast<int64_t>(rng());
    v >>= rng() % 64;  // Cover every magnitude.
    const size_t n = FormatInt64(v, buf);
    int64_t parsed;
    ASSERT_TRUE(ParseInt64(std::string_view(buf, n), &parsed)) << v;
    ASSERT_EQ(parsed, v);
  }
}

TEST(ParseUint64Test, Accepts) {
  uint64_t v = 0;
  EXPECT_TRUE(ParseUint64("0", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseUint64("42", &v));
  EXPECT_EQ(v, 42u);
  EXPECT_TRUE(ParseUint64("9223372036854775808", &v));
  EXPECT_EQ(v, 9223372036854775808u);
  EXPECT_TRUE(ParseUint64("18446744073709551615", &v));
  EXPECT_EQ(v, UINT64_MAX);
}

TEST(ParseUint64Test, Rejects) {
  for (const char* s : {"", "-", "-0", "-1", "+1", "01", "00", " 1", "1 ", "1.5", "1e3",
                        "18446744073709551616", "99999999999999999999", "100000000000000000000"}) {
    uint64_t v = 7;
    EXPECT_FALSE(ParseUint64(s, &v)) << s;
    EXPECT_EQ(v, 7u);
  }
}

TEST(FormatInt64Test, Extremes) {
  char buf[kInt64BufSize];
  EXPECT_EQ(std::string(buf, FormatInt64(0, buf)), "0");
  EXPECT_EQ(std::string(buf, FormatInt64(-1, buf)), "-1");
  EXPECT_EQ(std::string(buf, FormatInt64(INT64_MAX, buf)), "9223372036854775807");
  EXPECT_EQ(std::string(buf, FormatInt64(INT64_MIN, buf)), "-9223372036854775808");
  EXPECT_EQ(std::string(buf, FormatUint64(0, buf)), "0");
  EXPECT_EQ(std::string(buf, FormatUint64(UINT64_MAX, buf)), "18446744073709551615");
  EXPECT_EQ(std::string(buf, FormatUint64(10000000000000000000u, buf)), "10000000000000000000");
}

TEST(FormatInt64Test, MatchesPrintf) {
  std::mt19937_64 rng(7);
  char buf[kInt64BufSize];
  char ref[32];
  for (int i = 0; i < 20000; ++i) {
    const uint64_t u = rng() >> (rng() % 64);
    snprintf(ref, sizeof(ref), "%llu", static_cast<unsigned long long>(u));
    ASSERT_EQ(std::string(buf, FormatUint64(u, buf)), ref);
    const int64_t s = static_cast<int64_t>(u) * ((i & 1) ? -1 : 1);
    snprintf(ref, sizeof(ref), "%lld", static_cast<long long>(s));
    ASSERT_EQ(std::string(buf, FormatInt64(s, buf)), ref);
  }
}

bool LdOk(std::string_view s, long double expected) {
  long double v = -7;
  return ParseLongDouble(s, &v) && v == expected;
}

TEST(ParseLongDoubleTest, Accepts) {
  EXPECT_TRUE(LdOk("0", 0));
  EXPECT_TRUE(LdOk("1", 1));
  EXPECT_TRUE(LdOk("-1.5", -1.5L));
  EXPECT_TRUE(LdOk("1e3", 1000));
  EXPECT_TRUE(LdOk("1E3", 1000));
  EXPECT_TRUE(LdOk("+1", 1));
  EXPECT_TRUE(LdOk("01", 1));
  EXPECT_TRUE(LdOk(".5", 0.5L));
  EXPECT_TRUE(LdOk("1.", 1));
  EXPECT_TRUE(LdOk("0x10", 16));
  EXPECT_TRUE(LdOk("0.1", 0.1L));
  EXPECT_TRUE(LdOk("inf", HUGE_VALL));
  EXPECT_TRUE(LdOk("-inf", -HUGE_VALL));
  EXPECT_TRUE(LdOk("1e4000", 1e4000L));
  long double v;
  // A denormal long double sets ERANGE but is not zero, so Redis keeps it.
  EXPECT_TRUE(ParseLongDouble("1e-4940", &v));
  EXPECT_GT(v, 0);
}

TEST(ParseLongDoubleTest, Rejects) {
  for (const char* s : {"", " 1", "\t1", "1 ", "1a", "abc", "nan", "-nan", "NaN", "-", ".", "e3",
                        "1e", "1e99999", "-1e99999", "1e-5000"}) {
    long double v = -7;
    EXPECT_FALSE(ParseLongDouble(s, &v)) << s;
    EXPECT_EQ(v, -7);
  }
  long double v;
  EXPECT_FALSE(ParseLongDouble("1\0"s, &v));
  EXPECT_FALSE(ParseLongDouble("1\0002"s, &v));
}

TEST(ParseLongDoubleTest, LengthLimit) {
  long double v;
  // string2ld() copies into a 5120-byte buffer, so 5119 bytes is the longest accepted input.
  ASSERT_TRUE(ParseLongDouble(std::string(5118, '0') + "1", &v));
  EXPECT_EQ(v, 1);
  EXPECT_FALSE(ParseLongDouble(std::string(5119, '0') + "1", &v));
}

bool DOk(std::string_view s, double expected) {
  double v = -7;
  return ParseDouble(s, &v) && (v == expected || (std::isnan(v) && std::isnan(expected)));
}

TEST(ParseDoubleTest, Accepts) {
  EXPECT_TRUE(DOk("0", 0));
  EXPECT_TRUE(DOk("0.0", 0));
  EXPECT_TRUE(DOk("00.000e5", 0));
  EXPECT_TRUE(DOk("0e999999", 0));
  EXPECT_TRUE(DOk("0.000e-400", 0));
  EXPECT_TRUE(DOk("1", 1));
  EXPECT_TRUE(DOk("1.5", 1.5));
  EXPECT_TRUE(DOk("0.1", 0.1));
  EXPECT_TRUE(DOk("1e3", 1000));
  EXPECT_TRUE(DOk("3.0e3", 3000));
  EXPECT_TRUE(DOk("1E2", 100));
  EXPECT_TRUE(DOk("0.1e+2", 10));
  EXPECT_TRUE(DOk("1.e3", 1000));
  EXPECT_TRUE(DOk(".5", 0.5));
  EXPECT_TRUE(DOk("-.5", -0.5));
  EXPECT_TRUE(DOk("+1", 1));
  EXPECT_TRUE(DOk("0x10", 16));
  EXPECT_TRUE(DOk("1e300", 1e300));
  EXPECT_TRUE(DOk("1.7976931348623157e308", 1.7976931348623157e308));
  EXPECT_TRUE(DOk("2.2250738585072014e-308", 2.2250738585072014e-308));
  EXPECT_TRUE(DOk("inf", HUGE_VAL));
  EXPECT_TRUE(DOk("+inf", HUGE_VAL));
  EXPECT_TRUE(DOk("-inf", -HUGE_VAL));
  EXPECT_TRUE(DOk("infinity", HUGE_VAL));
  EXPECT_TRUE(DOk("-Infinity", -HUGE_VAL));
  EXPECT_TRUE(DOk("INF", HUGE_VAL));
  double v;
  ASSERT_TRUE(ParseDouble("-0", &v));
  EXPECT_TRUE(v == 0 && std::signbit(v));
  // Denormals set ERANGE but are non-zero, which Redis accepts.
  ASSERT_TRUE(ParseDouble("4e-320", &v));
  EXPECT_GT(v, 0);
}

TEST(ParseDoubleTest, Rejects) {
  for (const char* s :
       {"",     " 1",    "\n1", "1 ",    "1\t",    "nan",    "NaN",
        "-nan", "1e",    "1e+", "e5",    ".",      "-",      "+",
        "1_0",  "1,5",   "abc", "1e400", "-1e400", "1e-400", "-1e-400",
        "0x",   "1.2.3", "--1", "+-1",   "inf ",   "infx",   "00000000000000000000000001e-400"}) {
    double v = -7;
    EXPECT_FALSE(ParseDouble(s, &v)) << s;
    EXPECT_EQ(v, -7) << s;
  }
  double v;
  EXPECT_FALSE(ParseDouble("1\0"s, &v));
  EXPECT_FALSE(ParseDouble("1\0002"s, &v));
  EXPECT_FALSE(ParseDouble("\0"s, &v));
}

TEST(ParseDoubleTest, LongInputs) {
  double v;
  ASSERT_TRUE(ParseDouble("0." + std::string(300, '0') + "1e300", &v));
  EXPECT_DOUBLE_EQ(v, 0.1);
  EXPECT_FALSE(ParseDouble(std::string(300, '1') + "x", &v));
}

// Redis string2d() stated directly on strtod(), to check the fast path never disagrees with it.
bool RedisString2d(const std::string& s, double* out) {
  errno = 0;
  char* end;
  const double v = strtod(s.c_str(), &end);
  if (s.empty() || isspace(static_cast<unsigned char>(s[0])) ||
      static_cast<size_t>(end - s.c_str()) != s.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) || std::isnan(v)) {
    return false;
  }
  *out = v;
  return true;
}

TEST(ParseDoubleTest, AgreesWithStrtodOnRandomText) {
  std::mt19937 rng(1234);
  const std::string alphabet = "0123456789000000.....eE+-- xinfa";
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    const int len = 1 + rng() % 12;
    for (int j = 0; j < len; ++j) s.push_back(alphabet[rng() % alphabet.size()]);
    double want = 0;
    double got = 0;
    const bool want_ok = RedisString2d(s, &want);
    const bool got_ok = ParseDouble(s, &got);
    ASSERT_EQ(got_ok, want_ok) << s;
    if (want_ok) {
      ASSERT_EQ(std::memcmp(&got, &want, sizeof(double)), 0) << s;
    }
  }
}

TEST(ParseDoubleTest, AgreesWithStrtodOnFormattedDoubles) {
  std::mt19937_64 rng(99);
  char text[64];
  for (int i = 0; i < 100000; ++i) {
    const uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (!std::isfinite(d)) continue;
    const int precision = 1 + static_cast<int>(rng() % 20);
    snprintf(text, sizeof(text), (i & 1) ? "%.*g" : "%.*e", precision, d);
    double want = 0;
    double got = 0;
    const bool want_ok = RedisString2d(text, &want);
    ASSERT_EQ(ParseDouble(text, &got), want_ok) << text;
    if (want_ok) {
      ASSERT_EQ(std::memcmp(&got, &want, sizeof(double)), 0) << text;
    }
  }
}

std::string FmtD(double v) {
  char buf[kDoubleBufSize];
  return std::string(buf, FormatDouble(v, buf));
}

// Expected strings are ZSCORE replies from redis-server 7.0.15.
TEST(FormatDoubleTest, MatchesRedis) {
  EXPECT_EQ(FmtD(0.1), "0.10000000000000001");
  EXPECT_EQ(FmtD(0.3), "0.29999999999999999");
  EXPECT_EQ(FmtD(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FmtD(1e3), "1000");
  EXPECT_EQ(FmtD(3.0e3), "3000");
  EXPECT_EQ(FmtD(1.5), "1.5");
  EXPECT_EQ(FmtD(-0.5), "-0.5");
  EXPECT_EQ(FmtD(0.0), "0");
  EXPECT_EQ(FmtD(-0.0), "-0");
  EXPECT_EQ(FmtD(1e300), "1.0000000000000001e+300");
  EXPECT_EQ(FmtD(1e16), "10000000000000000");
  EXPECT_EQ(FmtD(1e17), "1e+17");
  EXPECT_EQ(FmtD(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(FmtD(4503599627370496.0), "4503599627370496");
  EXPECT_EQ(FmtD(4503599627370495.0), "4503599627370495");
  EXPECT_EQ(FmtD(-4503599627370495.0), "-4503599627370495");
  EXPECT_EQ(FmtD(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(FmtD(2.2250738585072014e-308), "2.2250738585072014e-308");
  EXPECT_EQ(FmtD(0.000001), "9.9999999999999995e-07");
  EXPECT_EQ(FmtD(1e-5), "1.0000000000000001e-05");
  EXPECT_EQ(FmtD(4e-320), "3.999955468730732e-320");
  EXPECT_EQ(FmtD(HUGE_VAL), "inf");
  EXPECT_EQ(FmtD(-HUGE_VAL), "-inf");
  EXPECT_EQ(FmtD(std::nan("")), "nan");
  EXPECT_EQ(FmtD(-std::nan("")), "nan");
}

TEST(FormatDoubleTest, MatchesPrintfOnRandomValues) {
  std::mt19937_64 rng(5);
  char ref[64];
  for (int i = 0; i < 200000; ++i) {
    double d;
    if (i % 3 == 0) {
      d = static_cast<double>(static_cast<int64_t>(rng()) >> (rng() % 64));  // Integral values.
    } else {
      const uint64_t bits = rng();
      std::memcpy(&d, &bits, sizeof(d));
      if (!std::isfinite(d)) continue;
    }
    snprintf(ref, sizeof(ref), "%.17g", d);
    ASSERT_EQ(FmtD(d), ref);
  }
}

// Expected strings are INCRBYFLOAT replies from redis-server 7.0.15.
TEST(FormatLongDoubleTest, MatchesRedis) {
  long double a;
  long double b;
  ASSERT_TRUE(ParseLongDouble("0.1", &a));
  ASSERT_TRUE(ParseLongDouble("0.2", &b));
  EXPECT_EQ(FormatLongDouble(a + b), "0.3");
  ASSERT_TRUE(ParseLongDouble("10.5", &a));
  ASSERT_TRUE(ParseLongDouble("0.1", &b));
  EXPECT_EQ(FormatLongDouble(a + b), "10.6");
  EXPECT_EQ(FormatLongDouble(3.0e3L), "3000");
  EXPECT_EQ(FormatLongDouble(0), "0");
  EXPECT_EQ(FormatLongDouble(-0.0L), "0");
  EXPECT_EQ(FormatLongDouble(1e-20L), "0");
  EXPECT_EQ(FormatLongDouble(-1e-20L), "0");
  EXPECT_EQ(FormatLongDouble(1.5e-7L), "0.00000015");
  EXPECT_EQ(FormatLongDouble(-123.456L), "-123.456");
  EXPECT_EQ(FormatLongDouble(16), "16");
  EXPECT_EQ(FormatLongDouble(1 + 1e18L), "1000000000000000001");
  ASSERT_TRUE(ParseLongDouble("3.14159265358979323846", &a));
  EXPECT_EQ(FormatLongDouble(a), "3.14159265358979324");
  EXPECT_EQ(FormatLongDouble(1e300L),
            "1000000000000000000008997324079559193870523944273290747938260082321265646596180935"
            "7558491520837504971903503725086142748359035925561846729839130962605207486462873271"
            "3564184365329408425510760601678972665293237003055138294762099454029477278188962060"
            "6179267611627097410650567187386105690089424915104006144");
  EXPECT_EQ(FormatLongDouble(HUGE_VALL), "inf");
  EXPECT_EQ(FormatLongDouble(-HUGE_VALL), "-inf");
  // The largest finite long double still fits Redis's buffer.
  const std::string max = FormatLongDouble(std::numeric_limits<long double>::max());
  EXPECT_EQ(max.size(), 4933u);
  EXPECT_EQ(FormatLongDouble(-std::numeric_limits<long double>::max()).size(), 4934u);
}

TEST(FormatLongDoubleTest, SeventeenFractionDigitsLikeRedis) {
  // Short decimals usually survive the round trip, but 17 fraction digits can expose the binary
  // value, exactly as INCRBYFLOAT does in Redis.
  for (const char* s : {"1.1", "2.5", "-7.25", "100.01", "0.001"}) {
    long double v;
    ASSERT_TRUE(ParseLongDouble(s, &v));
    EXPECT_EQ(FormatLongDouble(v), s);
  }
  long double v;
  ASSERT_TRUE(ParseLongDouble("12345.6789", &v));
  EXPECT_EQ(FormatLongDouble(v), "12345.67889999999999961");
  ASSERT_TRUE(ParseLongDouble("99999999.99", &v));
  EXPECT_EQ(FormatLongDouble(v), "99999999.98999999999796273");
}

}  // namespace
}  // namespace sable
