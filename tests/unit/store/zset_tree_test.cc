#include "server/store/zset_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace sable {
namespace {

class ZTreeTest : public ::testing::Test {
 protected:
  ~ZTreeTest() override {
    for (ZNode* z : nodes_) ZNode::Free(z);
  }
  ZNode* Make(double score, const std::string& m) {
    nodes_.push_back(ZNode::New(m, score));
    return nodes_.back();
  }
  // Walks the whole tree by cursor and checks ranks both ways.
  static void ExpectOrdered(const ZTree& t, const std::vector<ZNode*>& sorted) {
    ASSERT_EQ(t.size(), sorted.size());
    ZTree::Cursor c = t.At(0);
    for (size_t i = 0; i < sorted.size(); ++i) {
      ASSERT_NE(c.leaf, nullptr) << i;
      ASSERT_EQ(t.Get(c), sorted[i]) << i;
      ASSERT_EQ(t.Rank(sorted[i]), i);
      t.Next(&c);
    }
    EXPECT_EQ(c.leaf, nullptr);
    if (sorted.empty()) return;
    c = t.At(sorted.size() - 1);
    for (size_t i = sorted.size(); i-- > 0;) {
      ASSERT_EQ(t.Get(c), sorted[i]) << i;
      t.Prev(&c);
    }
    EXPECT_EQ(c.leaf, nullptr);
  }
  std::vector<ZNode*> nodes_;
};

TEST_F(ZTreeTest, MemberLengthsAcrossTheVarintBoundary) {
  for (size_t len : {0, 1, 127, 128, 300, 20000}) {
    std::string m(len, 'x');
    if (len) m[len - 1] = 'y';
    ZNode* z = Make(1.5, m);
    EXPECT_EQ(z->key(), m);
    EXPECT_EQ(z->score, 1.5);
    EXPECT_EQ(z->data_bytes(), len + (len < 128 ? 1 : len < 16384 ? 2 : 3));
  }
}

// Appends in order (time stamps, counters) leave every leaf but the last full, so the tree
// costs close to one pointer per member; the middle split would leave them half full.
TEST_F(ZTreeTest, AppendsInOrderFillLeaves) {
  for (bool descending : {false, true}) {
    ZTree t;
    std::vector<ZNode*> sorted;
    const int n = 100000;
    for (int i = 0; i < n; ++i) sorted.push_back(Make(i, "m" + std::to_string(i)));
    if (descending) {
      for (int i = n; i-- > 0;) t.Insert(sorted[static_cast<size_t>(i)]);
    } else {
      for (ZNode* z : sorted) t.Insert(z);
    }
    ExpectOrdered(t, sorted);
    double per = static_cast<double>(t.Footprint()) / n;
    EXPECT_LT(per, 9.2) << (descending ? "descending" : "ascending");
  }
}

TEST_F(ZTreeTest, RandomInsertsAndErasesStayOrdered) {
  std::mt19937_64 gen(42);
  ZTree t;
  std::vector<ZNode*> in;
  for (int i = 0; i < 30000; ++i) {
    ZNode* z = Make(static_cast<double>(gen() % 500), "k" + std::to_string(i));
    t.Insert(z);
    in.push_back(z);
  }
  auto less = [](const ZNode* a, const ZNode* b) { return ZLess(a, b); };
  std::vector<ZNode*> sorted = in;
  std::sort(sorted.begin(), sorted.end(), less);
  ExpectOrdered(t, sorted);
  double per = static_cast<double>(t.Footprint()) / static_cast<double>(in.size());
  EXPECT_LT(per, 14.0);
  // Erase from the front, the back and at random until empty, checking along the way.
  std::shuffle(in.begin(), in.end(), gen);
  for (size_t k = 0; k < in.size(); ++k) {
    t.Erase(in[k]);
    sorted.erase(std::lower_bound(sorted.begin(), sorted.end(), in[k], less));
    if (k % 7919 == 0) ExpectOrdered(t, sorted);
  }
  ExpectOrdered(t, sorted);
  EXPECT_EQ(t.Footprint(), 0u);
}

}  // namespace
}  // namespace sable
