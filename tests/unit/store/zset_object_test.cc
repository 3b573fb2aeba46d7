#include "server/store/zset_object.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sable {
namespace {

using Elem = std::pair<double, std::string>;

std::vector<Elem> Contents(const ZSetObject& z) {
  std::vector<Elem> out;
  z.ForEach([&](std::string_view m, double s) { out.emplace_back(s, std::string(m)); });
  return out;
}

TEST(ZSetObjectTest, CompactScoresKeepEveryDoubleAndPackIntegers) {
  ZSetLimits limits{128, 64};
  const double two53 = 9007199254740992.0;
  std::vector<double> scores = {0,     1,      -1,      63,      -64,      1e15, -1e15,
                                two53, -two53, two53 * 2, 0.5, -2.25, 1e300, 1.7e12,
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::denorm_min()};
  ZSetObject z;
  for (size_t i = 0; i < scores.size(); ++i) z.Set("m" + std::to_string(i), scores[i], limits);
  ASSERT_TRUE(z.compact());
  for (size_t i = 0; i < scores.size(); ++i) {
    EXPECT_EQ(*z.Score("m" + std::to_string(i)), scores[i]) << i;
  }
  // -0 is kept as the integer 0, as Redis's listpack does.
  z.Set("neg0", -0.0, limits);
  EXPECT_FALSE(std::signbit(*z.Score("neg0")));
  // Ten small integer scores with 1-byte members: 1 + 1 + 1 bytes each.
  ZSetObject small;
  for (int i = 0; i < 10; ++i) small.Set(std::string(1, static_cast<char>('a' + i)), i, limits);
  EXPECT_LE(small.Footprint(), sizeof(ZSetObject) + 48);  // 30 bytes and the size class
}

TEST(ZSetObjectTest, CompactUntilLimitsThenSkiplist) {
  ZSetLimits limits{4, 8};
  ZSetObject z;
  EXPECT_TRUE(z.Set("b", 2, limits));
  EXPECT_TRUE(z.Set("a", 2, limits));
  EXPECT_TRUE(z.Set("c", 1, limits));
  EXPECT_FALSE(z.Set("c", 3, limits));
  EXPECT_STREQ(z.EncodingName(), "listpack");
  EXPECT_EQ(Contents(z), (std::vector<Elem>{{2, "a"}, {2, "b"}, {3, "c"}}));
  EXPECT_EQ(*z.Rank("b"), 1u);
  EXPECT_TRUE(z.Set("d", 0, limits));
  EXPECT_TRUE(z.Set("e", 0, limits));  // the fifth member converts
  EXPECT_STREQ(z.EncodingName(), "skiplist");
  EXPECT_EQ(Contents(z), (std::vector<Elem>{{0, "d"}, {0, "e"}, {2, "a"}, {2, "b"}, {3, "c"}}));
  ZSetObject longer;
  longer.Set(std::string(9, 'm'), 1, limits);
  EXPECT_STREQ(longer.EncodingName(), "skiplist");
}

TEST(ZSetObjectTest, BoundsAndRemoveRange) {
  for (bool big : {false, true}) {
    ZSetObject z;
    ZSetLimits limits;
    if (big) z.ConvertToBig();
    for (int i = 0; i < 10; ++i) z.Set("m" + std::to_string(i), i, limits);
    EXPECT_EQ(z.ScoreLowerBound(3, false), 3u);
    EXPECT_EQ(z.ScoreLowerBound(3, true), 4u);
    EXPECT_EQ(z.ScoreLowerBound(-1, false), 0u);
    EXPECT_EQ(z.ScoreLowerBound(100, false), 10u);
    EXPECT_EQ(z.LexLowerBound("m5", true), 6u);
    EXPECT_EQ(z.RemoveRange(2, 5), 3u);
    EXPECT_EQ(z.size(), 7u);
    EXPECT_FALSE(z.Score("m3").has_value());
    EXPECT_EQ(*z.Rank("m5"), 2u);
    std::vector<std::string> back;
    z.Walk(3, true, [&](std::string_view m, double) {
      back.emplace_back(m);
      return true;
    });
    EXPECT_EQ(back, (std::vector<std::string>{"m6", "m5", "m1", "m0"}));
  }
}

// Random adds, score changes, removals and range deletions against a std::set model, big
// enough that the tree splits, merges and shrinks back.
TEST(ZSetObjectTest, TreeMatchesModel) {
  std::mt19937_64 gen(1234);
  ZSetObject z;
  ZSetLimits limits{16, 64};
  std::set<Elem> order;
  std::map<std::string, double> scores;
  for (int step = 0; step < 60000; ++step) {
    uint64_t op = gen() % 10;
    std::string m = "member:" + std::to_string(gen() % 5000);
    if (op < 6) {
      double s = static_cast<double>(gen() % 1000) / 4;
      auto it = scores.find(m);
      if (it != scores.end()) order.erase({it->second, m});
      ASSERT_EQ(z.Set(m, s, limits), it == scores.end());
      scores[m] = s;
      order.insert({s, m});
    } else if (op < 9) {
      auto it = scores.find(m);
      ASSERT_EQ(z.Remove(m), it != scores.end());
      if (it != scores.end()) {
        order.erase({it->second, m});
        scores.erase(it);
      }
    } else if (!order.empty() && gen() % 8 == 0) {
      size_t start = gen() % order.size();
      size_t n = gen() % 40;
      auto first = std::next(order.begin(), static_cast<ptrdiff_t>(start));
      auto last = first;
      size_t removed = 0;
      while (last != order.end() && removed < n) {
        scores.erase(last->second);
        ++last;
        ++removed;
      }
      order.erase(first, last);
      ASSERT_EQ(z.RemoveRange(start, start + n), removed);
    }
    ASSERT_EQ(z.size(), order.size());
    if (step % 997 == 0 && !order.empty()) {
      size_t i = 0;
      for (const Elem& e : order) {
        ASSERT_EQ(*z.Rank(e.second), i++) << e.second;
      }
      ASSERT_EQ(Contents(z), std::vector<Elem>(order.begin(), order.end()));
      double probe = static_cast<double>(gen() % 1000) / 4;
      size_t want = static_cast<size_t>(
          std::distance(order.begin(), order.lower_bound({probe, std::string()})));
      ASSERT_EQ(z.ScoreLowerBound(probe, false), want);
    }
  }
  EXPECT_STREQ(z.EncodingName(), "skiplist");
  std::unique_ptr<Object> copy(z.Clone());
  EXPECT_EQ(Contents(*static_cast<ZSetObject*>(copy.get())), Contents(z));
  while (z.size() > 0) z.RemoveRange(0, 100);
  EXPECT_EQ(z.size(), 0u);
  EXPECT_TRUE(z.Set("again", 1, limits));
  EXPECT_EQ(*z.Rank("again"), 0u);
}

}  // namespace
}  // namespace sable
