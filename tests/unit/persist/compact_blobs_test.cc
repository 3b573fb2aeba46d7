#include "server/persist/compact_blobs.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sable {
namespace {

std::vector<std::string> RoundTrip(const std::vector<std::string>& items) {
  std::vector<std::string_view> views(items.begin(), items.end());
  std::string blob = EncodeListpack(views);
  std::vector<std::string> out;
  std::string err;
  EXPECT_TRUE(DecodeListpack(blob, &out, &err)) << err;
  return out;
}

TEST(CompactBlobsTest, ListpackRoundTripsStringsAndIntegerBoundaries) {
  std::vector<std::string> items = {"", "a", std::string(63, 'x'), std::string(64, 'y'),
                                    std::string(4095, 'z'), std::string(4096, 'w'),
                                    std::string(70000, 'v'), "0", "127", "128", "-1", "-4096",
                                    "4095", "4096", "-32768", "32767", "-8388608", "8388607",
                                    "-2147483648", "2147483647", "-9223372036854775808",
                                    "9223372036854775807", "007", "-0", "1.5"};
  EXPECT_EQ(RoundTrip(items), items);
}

TEST(CompactBlobsTest, ListpackKnownBytes) {
  // "a" (6-bit string) then 1 (7-bit uint), as Redis's lpAppend writes them.
  std::string blob = EncodeListpack({"a", "1"});
  std::string want("\x0c\x00\x00\x00\x02\x00\x81\x61\x02\x01\x01\xff", 12);
  EXPECT_EQ(blob, want);
}

TEST(CompactBlobsTest, EveryTruncationAndCorruptionFailsCleanly) {
  std::string blob = EncodeListpack({"field", "12345", std::string(200, 'q'), "-7"});
  std::vector<std::string> out;
  std::string err;
  for (size_t n = 0; n < blob.size(); ++n) {
    out.clear();
    EXPECT_FALSE(DecodeListpack(blob.substr(0, n), &out, &err)) << n;
  }
  std::string bad_count = blob;
  bad_count[4] = 9;
  EXPECT_FALSE(DecodeListpack(bad_count, &out, &err));
  std::string bad_back = blob;
  bad_back[6 + 1 + 5] ^= 0x40;  // the back-length of the first entry
  EXPECT_FALSE(DecodeListpack(bad_back, &out, &err));
}

TEST(CompactBlobsTest, ZiplistIntsetZipmap) {
  // A ziplist of "ab" and 5 (4-bit immediate), entries with prevlen 0 and 4.
  std::string zl("\x14\x00\x00\x00\x0e\x00\x00\x00\x02\x00"
                 "\x00\x02" "ab"
                 "\x04\xf6"
                 "\xff", 17);
  zl[0] = static_cast<char>(zl.size());
  std::vector<std::string> out;
  std::string err;
  ASSERT_TRUE(DecodeZiplist(zl, &out, &err)) << err;
  EXPECT_EQ(out, (std::vector<std::string>{"ab", "5"}));
  for (size_t n = 0; n < zl.size(); ++n) {
    std::vector<std::string> tmp;
    EXPECT_FALSE(DecodeZiplist(zl.substr(0, n), &tmp, &err)) << n;
  }
  std::string is("\x02\x00\x00\x00\x02\x00\x00\x00\xff\xff\x05\x00", 12);
  out.clear();
  ASSERT_TRUE(DecodeIntset(is, &out, &err)) << err;
  EXPECT_EQ(out, (std::vector<std::string>{"-1", "5"}));
  std::string unsorted("\x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x05\x00", 12);
  EXPECT_FALSE(DecodeIntset(unsorted, &out, &err));
  std::string zm("\x01\x01" "f" "\x02\x01" "vv" "x" "\xff", 9);
  out.clear();
  ASSERT_TRUE(DecodeZipmap(zm, &out, &err)) << err;
  EXPECT_EQ(out, (std::vector<std::string>{"f", "vv"}));
  EXPECT_FALSE(DecodeZipmap(zm.substr(0, 6), &out, &err));
}

}  // namespace
}  // namespace sable
