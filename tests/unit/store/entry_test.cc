#include "server/store/entry.h"

#include <gtest/gtest.h>

#include <string>

namespace sable {
namespace {

// Key lengths around the one-byte/four-byte boundary of the header's length field.
class EntryKeyLength : public ::testing::TestWithParam<size_t> {};

TEST_P(EntryKeyLength, EveryEncodingKeepsKeyAndValue) {
  std::string key(GetParam(), 'k');
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>('a' + i % 26);
  char buf[24];

  Entry* i = MakeStringEntry(key, "-12345");
  EXPECT_EQ(i->key(), key);
  EXPECT_TRUE(i->IsInt());
  EXPECT_EQ(i->IntValue(), -12345);

  Entry* s = MakeStringEntry(key, "short value");
  EXPECT_EQ(s->key(), key);
  EXPECT_EQ(s->EncodingName(), "embstr");
  EXPECT_EQ(s->StringValue(buf), "short value");

  std::string long_value(100, 'v');
  Entry* r = MakeStringEntry(key, long_value);
  EXPECT_EQ(r->key(), key);
  EXPECT_EQ(r->EncodingName(), "raw");
  EXPECT_EQ(r->StringValue(buf), long_value);

  // Rekey across the boundary both ways keeps the value and the LRU stamp.
  r->set_lru(0xabcdef);
  Entry* moved = Entry::Rekey(r, "x");
  Entry::FreeShell(r);
  EXPECT_EQ(moved->key(), "x");
  EXPECT_EQ(moved->lru(), 0xabcdefu);
  EXPECT_EQ(moved->StringValue(buf), long_value);
  Entry* back = Entry::Rekey(moved, key);
  Entry::FreeShell(moved);
  EXPECT_EQ(back->key(), key);
  EXPECT_EQ(back->StringValue(buf), long_value);

  Entry* c = Entry::Clone(s, key + "!");
  EXPECT_EQ(c->key(), key + "!");
  EXPECT_EQ(c->StringValue(buf), "short value");

  // The footprint counts the header, the wider length field for long keys and the payload.
  size_t header = key.size() < Entry::kLongKey ? Entry::kHeaderSize : Entry::kHeaderSize + 4;
  EXPECT_EQ(i->Footprint(), header + key.size() + 8);
  EXPECT_EQ(s->Footprint(), header + key.size() + 4 + 11);

  for (Entry* e : {i, s, back, c}) Entry::Free(e);
}

INSTANTIATE_TEST_SUITE_P(AroundTheBoundary, EntryKeyLength,
                         ::testing::Values(0, 1, 254, 255, 256, 70000));

TEST(Entry, FlagsShareOneWordWithoutClobbering) {
  Entry* e = MakeStringEntry("key", "value");
  e->set_has_expire(true);
  e->set_lru(0xffffffff);  // only 24 bits are kept
  EXPECT_EQ(e->lru(), 0xffffffu);
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(e->type(), ObjType::kString);
  EXPECT_EQ(e->EncodingName(), "embstr");
  e->set_has_expire(false);
  e->set_lru(0);
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->type(), ObjType::kString);
  EXPECT_EQ(e->key(), "key");
  Entry::Free(e);
}

}  // namespace
}  // namespace sable
