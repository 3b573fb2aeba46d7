// Slot math against Redis's known values: crc16.c's test vector, the slots Redis 7.0 answers for
// CLUSTER KEYSLOT, and the hash-tag cases from the cluster specification.
#include "cluster/slot.h"

#include <gtest/gtest.h>

#include <string>

namespace sable::cluster {
namespace {

TEST(Crc16Test, KnownVectors) {
  // The check value of CRC-16/XMODEM, quoted in Redis's crc16.c.
  EXPECT_EQ(Crc16("123456789"), 0x31C3);
  EXPECT_EQ(Crc16(""), 0);
  EXPECT_EQ(Crc16("A"), 0x58E5);
  // Bytes above 0x7f must not sign-extend into the table index.
  EXPECT_EQ(Crc16(std::string("\xff", 1)), 0x1EF0);
}

TEST(KeySlotTest, MatchesRedis) {
  // CLUSTER KEYSLOT answers of Redis 7.0.
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("hello"), 866);
  EXPECT_EQ(KeySlot(""), 0);
  EXPECT_LT(KeySlot(std::string(1000, 'x')), kSlots);
}

TEST(KeySlotTest, HashTags) {
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  // An empty tag hashes the whole key.
  EXPECT_EQ(HashTag("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(KeySlot("foo{}{bar}"), Crc16("foo{}{bar}") % kSlots);
  // The tag runs from the first '{' to the first '}' after it.
  EXPECT_EQ(HashTag("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
  EXPECT_EQ(HashTag("foo{bar}{zap}"), "bar");
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
  // No closing brace, or a '}' only before the '{': the whole key.
  EXPECT_EQ(HashTag("foo{bar"), "foo{bar");
  EXPECT_EQ(HashTag("}foo{"), "}foo{");
  EXPECT_EQ(HashTag("a}b{c}"), "c");
}

}  // namespace
}  // namespace sable::cluster
