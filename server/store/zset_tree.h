// The order index of a large sorted set: an order-statistic B+ tree of pointers to the set's
// members, ordered by (score, member bytes). Leaves hold up to 61 pointers (a 512-byte block) and
// are chained both ways for range walks; inner nodes (1 KB) keep, per child, its element count
// (for ranks) and its largest element (for descending). A node that overflows at the right or
// left end of the order keeps itself full, so appends in score order (time stamps, counters)
// fill leaves completely. A member costs one pointer slot here (8 bytes at full leaves, about 11
// after random inserts) where Redis's skiplist spends a node of at least 32 bytes plus
// its levels. Members themselves live in the set's hash table (ZNode); the tree only points.
// Pure structure: no replies, no Db.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace sable {

// One member of a large sorted set: hash chain link, score, then the member inline as a varint
// length and its bytes (a 13-byte member fits a 32-byte block).
struct ZNode {
  ZNode* next;
  double score;
  char data[];

  static ZNode* New(std::string_view m, double score);
  static void Free(ZNode* n) { std::free(n); }
  std::string_view key() const {
    auto b = static_cast<uint8_t>(data[0]);
    if (b < 0x80) return {data + 1, b};
    return LongKey();
  }
  // Bytes the block holds past the header.
  size_t data_bytes() const {
    std::string_view k = key();
    return static_cast<size_t>(k.data() + k.size() - data);
  }

 private:
  std::string_view LongKey() const;
};

struct ZNodeTraits {
  static ZNode*& Next(ZNode* n) { return n->next; }
  static std::string_view Key(const ZNode* n) { return n->key(); }
};

// (score, member) order, Redis's zslInsert comparison.
inline bool ZLess(double sa, std::string_view ma, double sb, std::string_view mb) {
  return sa < sb || (sa == sb && ma < mb);
}
inline bool ZLess(const ZNode* a, const ZNode* b) {
  return ZLess(a->score, a->key(), b->score, b->key());
}

class ZTree {
 public:
  static constexpr int kLeafCap = 61;
  static constexpr int kInnerCap = 42;

  ZTree() = default;
  ZTree(const ZTree&) = delete;
  ZTree& operator=(const ZTree&) = delete;
  ~ZTree();

  size_t size() const { return size_; }
  // Adds a node not in the tree; removes one that is.
  void Insert(ZNode* z);
  void Erase(const ZNode* z);
  // 0-based ascending rank of a node in the tree.
  size_t Rank(const ZNode* z) const;

  // A position: a leaf and an index in it (leaf == nullptr past either end).
  struct Cursor {
    const void* leaf = nullptr;
    int idx = 0;
  };
  Cursor At(size_t rank) const;
  ZNode* Get(const Cursor& c) const;
  void Next(Cursor* c) const;
  void Prev(Cursor* c) const;

  // The rank of the first element for which pred holds, for a pred that is false then true
  // along the order; size() when it never holds.
  template <typename Pred>
  size_t LowerBound(Pred pred) const {
    if (root_ == nullptr) return 0;
    size_t rank = 0;
    const Base* n = root_;
    while (!n->leaf) {
      const Inner* in = static_cast<const Inner*>(n);
      int i = 0;
      while (i < in->n && !pred(in->max[i])) rank += in->count[i++];
      if (i == in->n) return size_;
      n = in->child[i];
    }
    const Leaf* lf = static_cast<const Leaf*>(n);
    int i = 0;
    while (i < lf->n && !pred(lf->items[i])) ++i;
    return rank + static_cast<size_t>(i);
  }

  // Approximate heap bytes of the tree's own nodes.
  size_t Footprint() const { return leaves_ * sizeof(Leaf) + inners_ * sizeof(Inner); }

 private:
  struct Base {
    bool leaf;
    int n = 0;
  };
  struct Leaf : Base {
    Leaf* prev = nullptr;
    Leaf* next = nullptr;
    ZNode* items[kLeafCap];
  };
  struct Inner : Base {
    Base* child[kInnerCap];
    size_t count[kInnerCap];
    ZNode* max[kInnerCap];
  };
  // Which ends of the whole order a node's range touches, for InsertAt's split point.
  enum Edge : int { kLeftEdge = 1, kRightEdge = 2 };

  static size_t CountOf(const Base* n);
  static ZNode* MaxOf(const Base* n);
  // Inserts below n (edges: the Edge bits of n); returns a new right sibling when n split.
  Base* InsertAt(Base* n, ZNode* z, int edges);
  static int SplitPoint(int n, int at, int edges);
  void EraseAt(Base* n, const ZNode* z);
  // Joins child i of `in` with a neighbour when both are small enough, or drops it when empty.
  void Rebalance(Inner* in, int i);
  void RemoveChild(Inner* in, int i);
  void FreeNode(Base* n);
  void FreeAll(Base* n);
  Leaf* NewLeaf();
  Inner* NewInner();

  Base* root_ = nullptr;
  size_t size_ = 0;
  size_t leaves_ = 0;
  size_t inners_ = 0;
};

}  // namespace sable
