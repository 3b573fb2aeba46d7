#include "server/store/hash_object.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace sable {
namespace {

uint64_t TestRng() {
  static std::mt19937_64 gen(42);
  return gen();
}

std::map<std::string, std::string> Contents(const HashObject& h) {
  std::map<std::string, std::string> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out[std::string(f)] = v; });
  return out;
}

TEST(HashObjectTest, CompactUntilEntriesLimitThenTable) {
  CompactLimits limits{4, 64};
  HashObject h;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(h.Set("f" + std::to_string(i), "v", limits));
  EXPECT_STREQ(h.EncodingName(), "listpack");
  EXPECT_FALSE(h.Set("f0", "other", limits));  // overwrite keeps the count
  EXPECT_STREQ(h.EncodingName(), "listpack");
  EXPECT_TRUE(h.Set("f4", "v", limits));
  EXPECT_STREQ(h.EncodingName(), "hashtable");
  EXPECT_EQ(h.size(), 5u);
  EXPECT_EQ(*h.Get("f0"), "other");
}

TEST(HashObjectTest, LongValueOrFieldConverts) {
  CompactLimits limits{128, 8};
  HashObject a;
  a.Set("f", std::string(8, 'x'), limits);
  EXPECT_STREQ(a.EncodingName(), "listpack");
  a.Set("g", std::string(9, 'x'), limits);
  EXPECT_STREQ(a.EncodingName(), "hashtable");
  HashObject b;
  b.Set(std::string(9, 'k'), "v", limits);
  EXPECT_STREQ(b.EncodingName(), "hashtable");
}

TEST(HashObjectTest, CompactOverwriteWithOtherLengthsKeepsNeighbours) {
  CompactLimits limits{128, 100000};
  HashObject h;
  h.Set("a", "1", limits);
  h.Set("b", "2", limits);
  h.Set("c", "3", limits);
  h.Set("b", std::string(300, 'z'), limits);  // varint length grows to two bytes
  EXPECT_EQ(*h.Get("a"), "1");
  EXPECT_EQ(*h.Get("b"), std::string(300, 'z'));
  EXPECT_EQ(*h.Get("c"), "3");
  h.Set("b", "", limits);
  EXPECT_EQ(*h.Get("b"), "");
  EXPECT_EQ(*h.Get("c"), "3");
  EXPECT_TRUE(h.Delete("a"));
  EXPECT_FALSE(h.Delete("a"));
  EXPECT_EQ(Contents(h), (std::map<std::string, std::string>{{"b", ""}, {"c", "3"}}));
}

// Random operations on both encodings agree with a std::map model.
TEST(HashObjectTest, RandomOperationsMatchModel) {
  for (uint64_t max_entries : {8u, 100000u}) {
    CompactLimits limits{max_entries, 64};
    HashObject h;
    std::map<std::string, std::string> model;
    std::mt19937 gen(7);
    for (int i = 0; i < 20000; ++i) {
      std::string f = "field:" + std::to_string(gen() % 300);
      if (gen() % 3 == 0) {
        EXPECT_EQ(h.Delete(f), model.erase(f) == 1);
      } else {
        std::string v(gen() % 20, static_cast<char>('a' + gen() % 26));
        bool fresh = model.find(f) == model.end();
        EXPECT_EQ(h.Set(f, v, limits), fresh);
        model[f] = v;
      }
      ASSERT_EQ(h.size(), model.size());
    }
    EXPECT_EQ(Contents(h), model);
    std::unique_ptr<Object> copy(h.Clone());
    EXPECT_EQ(Contents(*static_cast<HashObject*>(copy.get())), model);
  }
}

// A scan that spans table growth returns every field present throughout.
TEST(HashObjectTest, ScanWhileGrowingReturnsEveryOriginalField) {
  CompactLimits limits{1, 64};
  HashObject h;
  for (int i = 0; i < 500; ++i) h.Set("f" + std::to_string(i), "v", limits);
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int extra = 0;
  do {
    cursor = h.Scan(cursor, [&](std::string_view f, std::string_view) { ++seen[std::string(f)]; });
    // Grows (and rehashes) during the first steps only: a table that never stops growing need
    // not let a cursor finish.
    if (extra < 2000) {
      for (int k = 0; k < 200; ++k) h.Set("x" + std::to_string(extra++), "v", limits);
    }
  } while (cursor != 0);
  for (int i = 0; i < 500; ++i) EXPECT_GE(seen["f" + std::to_string(i)], 1) << i;
}

TEST(HashObjectTest, RandomCoversAllFields) {
  for (uint64_t max_entries : {128u, 1u}) {
    CompactLimits limits{max_entries, 64};
    HashObject h;
    for (int i = 0; i < 10; ++i) h.Set("f" + std::to_string(i), "v" + std::to_string(i), limits);
    std::map<std::string, int> seen;
    for (int i = 0; i < 2000; ++i) {
      auto [f, v] = h.Random(TestRng);
      EXPECT_EQ("v" + std::string(f.substr(1)), v);
      ++seen[std::string(f)];
    }
    EXPECT_EQ(seen.size(), 10u);
  }
}

}  // namespace
}  // namespace sable
