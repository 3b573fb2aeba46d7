// The RDB primitives: CRC64, length and string encodings, LZF, byte for byte as Redis writes them.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "server/persist/crc64.h"
#include "server/persist/rdb_format.h"

namespace sable {
namespace {

std::string Encode(const std::function<bool(RdbEncoder&)>& fn, bool compress = true) {
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, compress);
  EXPECT_TRUE(fn(enc));
  return out;
}

TEST(Crc64Test, KnownVectors) {
  // The check value of Redis's crc64.c test ("123456789").
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
  EXPECT_EQ(Crc64(0, "", 0), 0u);
}

// Bit-at-a-time reference: the Jones polynomial, reflected, no final xor.
uint64_t ReferenceCrc64(const std::string& data) {
  uint64_t crc = 0;
  for (unsigned char ch : data) {
    crc ^= ch;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
    }
  }
  return crc;
}

TEST(Crc64Test, TableMatchesBitwiseReference) {
  std::string data;
  uint32_t x = 7;
  for (int len = 0; len < 300; ++len) {
    EXPECT_EQ(Crc64(0, data.data(), data.size()), ReferenceCrc64(data)) << len;
    x = x * 1664525 + 1013904223;
    data.push_back(static_cast<char>(x >> 24));
  }
}

TEST(Crc64Test, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  uint64_t whole = Crc64(0, data.data(), data.size());
  for (size_t cut : {0u, 1u, 7u, 8u, 9u, 500u, 999u, 1000u}) {
    uint64_t crc = Crc64(0, data.data(), cut);
    crc = Crc64(crc, data.data() + cut, data.size() - cut);
    EXPECT_EQ(crc, whole) << cut;
  }
}

TEST(RdbFormatTest, LengthEncodingBytes) {
  EXPECT_EQ(Encode([](RdbEncoder& e) { return e.Length(0); }), std::string("\x00", 1));
  EXPECT_EQ(Encode([](RdbEncoder& e) { return e.Length(63); }), "\x3f");
  EXPECT_EQ(Encode([](RdbEncoder& e) { return e.Length(64); }), std::string("\x40\x40", 2));
  EXPECT_EQ(Encode([](RdbEncoder& e) { return e.Length(16383); }), "\x7f\xff");
  EXPECT_EQ(Encode([](RdbEncoder& e) { return e.Length(16384); }),
            std::string("\x80\x00\x00\x40\x00", 5));
  EXPECT_EQ(Encode([](RdbEncoder& e) { return e.Length(1ULL << 32); }),
            std::string("\x81\x00\x00\x00\x01\x00\x00\x00\x00", 9));
}

TEST(RdbFormatTest, LengthRoundTrip) {
  for (uint64_t v : {0ULL, 1ULL, 63ULL, 64ULL, 16383ULL, 16384ULL, 0xffffffffULL, 0x100000000ULL,
                     0xffffffffffffffffULL}) {
    std::string bytes = Encode([v](RdbEncoder& e) { return e.Length(v); });
    StringSource src(bytes);
    RdbDecoder dec(&src);
    uint64_t got = 0;
    ASSERT_TRUE(dec.Length(&got)) << v;
    EXPECT_EQ(got, v);
    EXPECT_TRUE(src.rest().empty());
  }
}

TEST(RdbFormatTest, IntegerStringEncodings) {
  auto enc = [](std::string_view s) { return Encode([s](RdbEncoder& e) { return e.String(s); }); };
  EXPECT_EQ(enc("0"), std::string("\xc0\x00", 2));
  EXPECT_EQ(enc("-1"), "\xc0\xff");
  EXPECT_EQ(enc("127"), "\xc0\x7f");
  EXPECT_EQ(enc("128"), std::string("\xc1\x80\x00", 3));
  EXPECT_EQ(enc("-32768"), std::string("\xc1\x00\x80", 3));
  EXPECT_EQ(enc("32768"), std::string("\xc2\x00\x80\x00\x00", 5));
  EXPECT_EQ(enc("-2147483648"), std::string("\xc2\x00\x00\x00\x80", 5));
  // Beyond 32 bits, or not canonical: plain strings.
  EXPECT_EQ(enc("2147483648"), "\x0a" "2147483648");
  EXPECT_EQ(enc("01"), "\x02" "01");
  EXPECT_EQ(enc("+1"), "\x02+1");
  EXPECT_EQ(enc(""), std::string("\x00", 1));
}

TEST(RdbFormatTest, StringRoundTrip) {
  std::string incompressible;
  uint32_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = x * 1103515245 + 12345;
    incompressible.push_back(static_cast<char>(x >> 16));
  }
  std::vector<std::string> values = {"", "a", "-0", "1", "-2147483649", "9223372036854775807",
                                     std::string(20, 'x'), std::string(21, 'x'),
                                     std::string(100000, 'y'), std::string("\0\r\n\xff", 4),
                                     incompressible};
  for (bool compress : {true, false}) {
    for (const std::string& v : values) {
      std::string bytes = Encode([&v](RdbEncoder& e) { return e.String(v); }, compress);
      StringSource src(bytes);
      RdbDecoder dec(&src);
      std::string got;
      ASSERT_TRUE(dec.String(&got)) << dec.error();
      EXPECT_EQ(got, v);
      EXPECT_TRUE(src.rest().empty());
    }
  }
}

TEST(RdbFormatTest, LzfUsedOnlyWhenItPays) {
  std::string v(1000, 'a');
  std::string on = Encode([&v](RdbEncoder& e) { return e.String(v); }, true);
  EXPECT_EQ(static_cast<uint8_t>(on[0]), 0xC3);  // LZF marker
  EXPECT_LT(on.size(), 40u);
  std::string off = Encode([&v](RdbEncoder& e) { return e.String(v); }, false);
  EXPECT_EQ(off.size(), 1000u + 2);  // 14-bit length + bytes
  // 20 bytes never compress (Redis's threshold), whatever the content.
  std::string twenty(20, 'a');
  EXPECT_EQ(Encode([&twenty](RdbEncoder& e) { return e.String(twenty); }).size(), 21u);
}

TEST(RdbFormatTest, CorruptLzfRejected) {
  std::string v(1000, 'a');
  std::string bytes = Encode([&v](RdbEncoder& e) { return e.String(v); });
  // Claim a larger uncompressed size than the data expands to.
  std::string bad = bytes;
  bad[bad.size() - 1] ^= 0x55;
  StringSource src(bad);
  RdbDecoder dec(&src);
  std::string got;
  EXPECT_FALSE(dec.String(&got) && got == v);
}

TEST(RdbFormatTest, ShortReadsFail) {
  std::string v(300, 'q');
  std::string bytes = Encode([&v](RdbEncoder& e) { return e.String(v); }, false);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    StringSource src(std::string_view(bytes).substr(0, cut));
    RdbDecoder dec(&src);
    std::string got;
    EXPECT_FALSE(dec.String(&got)) << cut;
    EXPECT_EQ(dec.error(), "Short read or OOM loading DB");
  }
}

TEST(RdbFormatTest, HugeLengthDoesNotAllocate) {
  // A 64-bit length of 2^60 with no data behind it: a short read, not an allocation failure.
  std::string bytes("\x81\x10\x00\x00\x00\x00\x00\x00\x00", 9);
  StringSource src(bytes);
  RdbDecoder dec(&src);
  std::string got;
  EXPECT_FALSE(dec.String(&got));
}

TEST(RdbFormatTest, TimesAndDoubles) {
  std::string bytes = Encode([](RdbEncoder& e) {
    return e.MillisecondTime(1700000000123) && e.BinaryDouble(-2.5);
  });
  EXPECT_EQ(bytes.size(), 16u);
  StringSource src(bytes);
  RdbDecoder dec(&src);
  int64_t ms;
  double d;
  ASSERT_TRUE(dec.MillisecondTime(&ms));
  ASSERT_TRUE(dec.BinaryDouble(&d));
  EXPECT_EQ(ms, 1700000000123);
  EXPECT_EQ(d, -2.5);
}

TEST(RdbFormatTest, TypeNames) {
  EXPECT_STREQ(RdbTypeName(kRdbTypeString), "string");
  EXPECT_STREQ(RdbTypeName(kRdbTypeHashListpack), "hash");
  EXPECT_STREQ(RdbTypeName(kRdbTypeListQuicklist2), "list");
  EXPECT_STREQ(RdbTypeName(kRdbTypeSetListpack), "set");
  EXPECT_STREQ(RdbTypeName(kRdbTypeZsetListpack), "zset");
  EXPECT_STREQ(RdbTypeName(kRdbTypeStreamListpacks3), "stream");
  EXPECT_TRUE(RdbIsObjectType(25));
  EXPECT_FALSE(RdbIsObjectType(8));
  EXPECT_FALSE(RdbIsObjectType(26));
}

}  // namespace
}  // namespace sable
