#include "server/store/dict.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace sable {
namespace {

struct Node {
  Node* next = nullptr;
  std::string key;
};

struct NodeTraits {
  static Node*& Next(Node* n) { return n->next; }
  static std::string_view Key(const Node* n) { return n->key; }
};

using TestDict = Dict<Node, NodeTraits>;

class DictTest : public ::testing::Test {
 protected:
  ~DictTest() override {
    dict_.Clear([](Node* n) { delete n; });
  }
  void Add(const std::string& k) {
    auto* n = new Node;
    n->key = k;
    dict_.Insert(n);
  }
  TestDict dict_{42};
};

TEST_F(DictTest, InsertFindUnlinkAcrossGrowth) {
  for (int i = 0; i < 10000; ++i) Add("key:" + std::to_string(i));
  EXPECT_EQ(dict_.size(), 10000u);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_NE(dict_.Find("key:" + std::to_string(i)), nullptr) << i;
  }
  EXPECT_EQ(dict_.Find("nope"), nullptr);
  for (int i = 0; i < 10000; i += 2) {
    Node* n = dict_.Unlink("key:" + std::to_string(i));
    ASSERT_NE(n, nullptr);
    delete n;
  }
  EXPECT_EQ(dict_.size(), 5000u);
  EXPECT_EQ(dict_.Find("key:0"), nullptr);
  EXPECT_NE(dict_.Find("key:1"), nullptr);
}

// Every key present for the whole scan is returned at least once, even while the table grows
// and shrinks between SCAN calls.
TEST_F(DictTest, ScanSurvivesResizes) {
  for (int i = 0; i < 1000; ++i) Add("stable:" + std::to_string(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  std::mt19937 rng(7);
  int added = 0;
  do {
    cursor = dict_.Scan(cursor, [&](Node* n) { seen.insert(n->key); });
    // Grow the table in the middle of the scan (forces rehashing), then shrink it again.
    if (step == 3) {
      for (int i = 0; i < 5000; ++i) Add("extra:" + std::to_string(added++));
    }
    if (step == 40) {
      for (int i = 0; i < added; ++i) delete dict_.Unlink("extra:" + std::to_string(i));
      added = 0;
      dict_.RehashSteps(1000000);
      dict_.ShrinkIfNeeded();
    }
    dict_.RehashSteps(rng() % 3);
    ++step;
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.count("stable:" + std::to_string(i))) << i;
  }
}

TEST_F(DictTest, RandomReturnsMembers) {
  EXPECT_EQ(dict_.Random([]() -> uint64_t { return 1; }), nullptr);
  for (int i = 0; i < 100; ++i) Add(std::to_string(i));
  static std::mt19937_64 gen(1);
  std::set<std::string> picked;
  for (int i = 0; i < 2000; ++i) picked.insert(dict_.Random([]() -> uint64_t { return gen(); })->key);
  EXPECT_GT(picked.size(), 80u);
}

// FairRandom gives every entry the same chance, also while a resize is half done (entries then
// live in two tables of different sizes): 100 entries, 200000 draws, each count within 15% of
// the expected 2000 (about 7 standard deviations; a chain-length bias of a bucket pick is far
// larger).
TEST_F(DictTest, FairRandomIsUniformWhileRehashing) {
  static std::mt19937_64 gen(3);
  auto rnd = []() -> uint64_t { return gen(); };
  EXPECT_EQ(dict_.FairRandom(rnd), nullptr);
  for (int i = 0; i < 100; ++i) Add("m" + std::to_string(i));
  while (dict_.RehashSteps(100)) {
  }
  Add("m100");  // 101 entries in 128 buckets, then grown past load 1: rehashing starts
  for (int i = 101; dict_.size() < 129; ++i) Add("m" + std::to_string(i));
  for (int i = 100; i < 129; ++i) delete dict_.Unlink("m" + std::to_string(i));
  ASSERT_TRUE(dict_.rehashing());
  ASSERT_EQ(dict_.size(), 100u);
  std::map<std::string, int> counts;
  for (int i = 0; i < 200000; ++i) ++counts[dict_.FairRandom(rnd)->key];
  ASSERT_TRUE(dict_.rehashing());
  ASSERT_EQ(counts.size(), 100u);
  for (auto& [k, n] : counts) {
    EXPECT_GT(n, 1700) << k;
    EXPECT_LT(n, 2300) << k;
  }
}

}  // namespace
}  // namespace sable
