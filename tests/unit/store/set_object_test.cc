#include "server/store/set_object.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace sable {
namespace {

uint64_t TestRng() {
  static std::mt19937_64 gen(7);
  return gen();
}

std::set<std::string> Members(const SetObject& s) {
  std::set<std::string> out;
  s.ForEach([&](std::string_view m) { EXPECT_TRUE(out.emplace(m).second) << m; });
  EXPECT_EQ(out.size(), s.size());
  return out;
}

std::vector<std::string> InOrder(const SetObject& s) {
  std::vector<std::string> out;
  s.ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

TEST(SetObjectTest, CreatePicksRedisEncoding) {
  SetLimits limits;
  std::unique_ptr<SetObject> a(SetObject::Create("12", 1, limits));
  EXPECT_STREQ(a->EncodingName(), "intset");
  std::unique_ptr<SetObject> b(SetObject::Create("x", 1, limits));
  EXPECT_STREQ(b->EncodingName(), "listpack");
  std::unique_ptr<SetObject> c(SetObject::Create("12", 513, limits));
  EXPECT_STREQ(c->EncodingName(), "hashtable");  // too many for an intset or a listpack
  std::unique_ptr<SetObject> d(SetObject::Create("x", 129, limits));
  EXPECT_STREQ(d->EncodingName(), "hashtable");
  std::unique_ptr<SetObject> e(SetObject::Create("12", 200, limits));
  EXPECT_STREQ(e->EncodingName(), "intset");
  // Only canonical integers count: no leading zeros, '+' or spaces.
  for (const char* m : {"012", "+1", " 1", "-0", "1.0", "99999999999999999999"}) {
    std::unique_ptr<SetObject> s(SetObject::Create(m, 1, limits));
    EXPECT_STREQ(s->EncodingName(), "listpack") << m;
  }
}

TEST(SetObjectTest, IntsetSortedAndBinarySearched) {
  SetLimits limits;
  SetObject s;
  for (int v : {5, -3, 100, 0, 7, 5, -3}) s.Add(std::to_string(v), limits);
  EXPECT_STREQ(s.EncodingName(), "intset");
  EXPECT_EQ(InOrder(s), (std::vector<std::string>{"-3", "0", "5", "7", "100"}));
  EXPECT_TRUE(s.Contains("7"));
  EXPECT_FALSE(s.Contains("8"));
  EXPECT_FALSE(s.Contains("07"));
  EXPECT_FALSE(s.Contains("x"));
  EXPECT_TRUE(s.Remove("0"));
  EXPECT_FALSE(s.Remove("0"));
  EXPECT_FALSE(s.Remove("abc"));
  EXPECT_EQ(InOrder(s), (std::vector<std::string>{"-3", "5", "7", "100"}));
}

TEST(SetObjectTest, IntsetWidthGrowsAndNeverShrinks) {
  SetLimits limits;
  SetObject s;
  s.Add("1", limits);
  s.Add("2", limits);
  EXPECT_EQ(s.intset_width(), 2u);
  EXPECT_EQ(s.intset_data(), std::string_view("\x01\x00\x02\x00", 4));
  s.Add("70000", limits);
  EXPECT_EQ(s.intset_width(), 4u);
  s.Add("-40000", limits);  // the new smallest goes first when widening
  EXPECT_EQ(InOrder(s), (std::vector<std::string>{"-40000", "1", "2", "70000"}));
  s.Add("-9223372036854775808", limits);
  s.Add("9223372036854775807", limits);
  EXPECT_EQ(s.intset_width(), 8u);
  EXPECT_EQ(InOrder(s).front(), "-9223372036854775808");
  EXPECT_EQ(InOrder(s).back(), "9223372036854775807");
  for (const char* m : {"-9223372036854775808", "9223372036854775807", "70000", "-40000"}) {
    EXPECT_TRUE(s.Remove(m));
  }
  EXPECT_EQ(s.intset_width(), 8u);  // as Redis's intset: no downgrade
  EXPECT_EQ(InOrder(s), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(s.intset_data().size(), 16u);
}

TEST(SetObjectTest, IntsetBecomesTableOverMaxEntries) {
  SetLimits limits{4, 128, 64};
  SetObject s;
  for (int i = 0; i < 4; ++i) s.Add(std::to_string(i), limits);
  EXPECT_STREQ(s.EncodingName(), "intset");
  s.Add("4", limits);
  EXPECT_STREQ(s.EncodingName(), "hashtable");
  EXPECT_EQ(Members(s), (std::set<std::string>{"0", "1", "2", "3", "4"}));
}

TEST(SetObjectTest, IntsetTakesStringAsListpackOrTable) {
  SetLimits limits;
  SetObject a;
  a.Add("1", limits);
  a.Add("2", limits);
  EXPECT_TRUE(a.Add("hello", limits));
  EXPECT_STREQ(a.EncodingName(), "listpack");
  EXPECT_EQ(InOrder(a), (std::vector<std::string>{"1", "2", "hello"}));
  EXPECT_FALSE(a.Add("1", limits));
  // A long string goes straight to the table.
  SetObject b;
  b.Add("1", limits);
  b.Add(std::string(65, 'x'), limits);
  EXPECT_STREQ(b.EncodingName(), "hashtable");
  // Too many integers for a listpack: the table.
  SetObject c;
  for (int i = 0; i < 128; ++i) c.Add(std::to_string(i), limits);
  c.Add("x", limits);
  EXPECT_STREQ(c.EncodingName(), "hashtable");
  EXPECT_EQ(c.size(), 129u);
  // Integers whose digits exceed the value limit: the table.
  SetLimits small{512, 128, 3};
  SetObject d;
  d.Add("1000", small);
  d.Add("a", small);
  EXPECT_STREQ(d.EncodingName(), "hashtable");
}

TEST(SetObjectTest, ListpackLimitsAndOneWay) {
  SetLimits limits{512, 3, 5};
  SetObject s(SetObject::Kind::kListpack);
  EXPECT_TRUE(s.Add("a", limits));
  EXPECT_TRUE(s.Add("b", limits));
  EXPECT_TRUE(s.Add("12345", limits));
  EXPECT_FALSE(s.Add("a", limits));
  EXPECT_STREQ(s.EncodingName(), "listpack");
  EXPECT_TRUE(s.Add("d", limits));
  EXPECT_STREQ(s.EncodingName(), "hashtable");
  for (const char* m : {"a", "b", "12345"}) EXPECT_TRUE(s.Remove(m));
  EXPECT_STREQ(s.EncodingName(), "hashtable");
  SetObject t(SetObject::Kind::kListpack);
  t.Add("x", limits);
  t.Add("123456", limits);  // longer than the value limit
  EXPECT_STREQ(t.EncodingName(), "hashtable");
  EXPECT_EQ(Members(t), (std::set<std::string>{"x", "123456"}));
}

TEST(SetObjectTest, BinaryMembersAndEmptyString) {
  SetLimits limits;
  SetObject s(SetObject::Kind::kListpack);
  std::string bin("\x00\r\n\xff", 4);
  EXPECT_TRUE(s.Add(bin, limits));
  EXPECT_TRUE(s.Add("", limits));
  EXPECT_FALSE(s.Add("", limits));
  EXPECT_TRUE(s.Contains(bin));
  EXPECT_TRUE(s.Contains(""));
  s.ConvertToTable();
  EXPECT_TRUE(s.Contains(bin));
  EXPECT_TRUE(s.Contains(""));
  EXPECT_EQ(Members(s), (std::set<std::string>{bin, ""}));
}

TEST(SetObjectTest, LongMembersInListpackKeepTheirLength) {
  SetLimits limits{512, 128, 100000};
  SetObject s(SetObject::Kind::kListpack);
  std::string big(300, 'z');  // a two-byte varint length
  s.Add("a", limits);
  s.Add(big, limits);
  s.Add("c", limits);
  EXPECT_TRUE(s.Contains(big));
  EXPECT_TRUE(s.Remove(big));
  EXPECT_EQ(InOrder(s), (std::vector<std::string>{"a", "c"}));
}

TEST(SetObjectTest, CloneIsDeepForEveryEncoding) {
  SetLimits limits;
  for (int kind = 0; kind < 3; ++kind) {
    SetObject s;
    s.Add("1", limits);
    s.Add("2", limits);
    if (kind >= 1) s.Add("x", limits);
    if (kind == 2) s.Add(std::string(100, 'y'), limits);
    std::unique_ptr<SetObject> copy(static_cast<SetObject*>(s.Clone()));
    EXPECT_STREQ(copy->EncodingName(), s.EncodingName());
    EXPECT_EQ(Members(*copy), Members(s));
    copy->Remove("1");
    EXPECT_TRUE(s.Contains("1"));
    EXPECT_GT(copy->Footprint(), sizeof(SetObject) - 1);
  }
}

TEST(SetObjectTest, RandomAndPopCoverEveryMemberUniformly) {
  SetLimits limits;
  for (int kind = 0; kind < 3; ++kind) {
    SetObject s;
    for (int i = 0; i < 10; ++i) s.Add(std::to_string(i), limits);
    if (kind >= 1) s.Add("x", limits);
    if (kind == 2) s.ConvertToTable();
    std::map<std::string, int> seen;
    for (size_t i = 0; i < 1000 * s.size(); ++i) ++seen[s.Random(TestRng)];
    EXPECT_EQ(seen.size(), s.size());
    for (const auto& [m, n] : seen) {
      // 1000 expected each (sd ~32, so the bounds sit at ~4.7 sd): a pick biased by chain
      // length would be far off.
      EXPECT_GT(n, 850) << m << " kind " << kind;
      EXPECT_LT(n, 1150) << m << " kind " << kind;
      EXPECT_TRUE(s.Contains(m));
    }
    std::set<std::string> popped;
    size_t n = s.size();
    for (size_t i = 0; i < n; ++i) {
      std::string m = s.PopRandom(TestRng);
      EXPECT_FALSE(s.Contains(m));
      EXPECT_TRUE(popped.insert(m).second);
    }
    EXPECT_EQ(s.size(), 0u);
    EXPECT_EQ(popped.size(), n);
  }
}

TEST(SetObjectTest, TableScanVisitsEveryMember) {
  SetLimits limits;
  SetObject s(SetObject::Kind::kTable);
  for (int i = 0; i < 5000; ++i) s.Add("m" + std::to_string(i), limits);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = s.Scan(cursor, [&](std::string_view m) { seen.emplace(m); });
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_GT(calls, 1);
  SetObject small;
  small.Add("1", limits);
  EXPECT_EQ(small.Scan(0, [](std::string_view) {}), 0u);
}

TEST(SetObjectTest, SwapExchangesContents) {
  SetLimits limits;
  SetObject a;
  a.Add("1", limits);
  SetObject b(SetObject::Kind::kTable);
  b.Add("x", limits);
  b.Add("y", limits);
  a.Swap(b);
  EXPECT_STREQ(a.EncodingName(), "hashtable");
  EXPECT_EQ(Members(a), (std::set<std::string>{"x", "y"}));
  EXPECT_STREQ(b.EncodingName(), "intset");
  EXPECT_EQ(Members(b), (std::set<std::string>{"1"}));
}

TEST(SetObjectTest, InsertAndFromIntsetForLoading) {
  SetObject s;
  EXPECT_TRUE(s.Insert("3"));
  EXPECT_FALSE(s.Insert("3"));
  EXPECT_FALSE(s.Insert("abc"));  // an intset refuses strings
  s.ConvertToListpack();
  EXPECT_STREQ(s.EncodingName(), "listpack");
  EXPECT_TRUE(s.Insert("abc"));
  EXPECT_FALSE(s.Insert("3"));
  std::unique_ptr<SetObject> t(
      SetObject::FromIntset(4, std::string_view("\x01\0\0\0\x05\0\0\0", 8)));
  EXPECT_EQ(InOrder(*t), (std::vector<std::string>{"1", "5"}));
  EXPECT_EQ(t->intset_width(), 4u);
}

TEST(SetObjectTest, RandomModelCheck) {
  SetLimits limits{16, 8, 6};
  std::mt19937_64 gen(99);
  for (int round = 0; round < 50; ++round) {
    SetObject s;
    std::set<std::string> model;
    for (int step = 0; step < 400; ++step) {
      std::string m;
      switch (gen() % 3) {
        case 0:
          m = std::to_string(static_cast<int64_t>(gen() % 40) - 20);
          break;
        case 1:
          m = std::to_string(static_cast<int64_t>(gen()));
          break;
        default:
          m = std::string(1 + gen() % 8, static_cast<char>('a' + gen() % 4));
      }
      if (round < 10 && gen() % 3 != 0) m = std::to_string(gen() % 30);
      if (gen() % 3 == 0) {
        EXPECT_EQ(s.Remove(m), model.erase(m) == 1);
      } else {
        EXPECT_EQ(s.Add(m, limits), model.insert(m).second);
      }
      ASSERT_EQ(s.size(), model.size());
    }
    EXPECT_EQ(Members(s), model);
  }
}

}  // namespace
}  // namespace sable
