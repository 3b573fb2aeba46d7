#include "server/store/zset_tree.h"

#include <algorithm>
#include <new>

#include "server/util/varint.h"

namespace sable {

ZNode* ZNode::New(std::string_view m, double score) {
  char head[10];
  size_t h = PutVarint(m.size(), head);
  auto* n = static_cast<ZNode*>(std::malloc(sizeof(ZNode) + h + m.size()));
  if (n == nullptr) throw std::bad_alloc();
  n->next = nullptr;
  n->score = score;
  std::memcpy(n->data, head, h);
  if (!m.empty()) std::memcpy(n->data + h, m.data(), m.size());
  return n;
}

std::string_view ZNode::LongKey() const {
  uint64_t len = 0;
  const char* p = GetVarint(data, &len);
  return {p, len};
}

ZTree::~ZTree() {
  if (root_ != nullptr) FreeAll(root_);
}

ZTree::Leaf* ZTree::NewLeaf() {
  auto* l = new Leaf();
  l->leaf = true;
  ++leaves_;
  return l;
}

ZTree::Inner* ZTree::NewInner() {
  auto* in = new Inner();
  in->leaf = false;
  ++inners_;
  return in;
}

void ZTree::FreeNode(Base* n) {
  if (n->leaf) {
    --leaves_;
    delete static_cast<Leaf*>(n);
  } else {
    --inners_;
    delete static_cast<Inner*>(n);
  }
}

void ZTree::FreeAll(Base* n) {
  if (!n->leaf) {
    auto* in = static_cast<Inner*>(n);
    for (int i = 0; i < in->n; ++i) FreeAll(in->child[i]);
  }
  FreeNode(n);
}

size_t ZTree::CountOf(const Base* n) {
  if (n->leaf) return static_cast<size_t>(n->n);
  const auto* in = static_cast<const Inner*>(n);
  size_t c = 0;
  for (int i = 0; i < in->n; ++i) c += in->count[i];
  return c;
}

ZNode* ZTree::MaxOf(const Base* n) {
  if (n->leaf) return static_cast<const Leaf*>(n)->items[n->n - 1];
  const auto* in = static_cast<const Inner*>(n);
  return in->max[in->n - 1];
}

void ZTree::Insert(ZNode* z) {
  if (root_ == nullptr) root_ = NewLeaf();
  Base* sib = InsertAt(root_, z, kLeftEdge | kRightEdge);
  if (sib != nullptr) {
    Inner* top = NewInner();
    top->n = 2;
    top->child[0] = root_;
    top->child[1] = sib;
    for (int i = 0; i < 2; ++i) {
      top->count[i] = CountOf(top->child[i]);
      top->max[i] = MaxOf(top->child[i]);
    }
    root_ = top;
  }
  ++size_;
}

// Where a full node of n items splits after an insert at index at: in the middle, or, at an end of
// the whole order, so that the side away from that end stays full.
int ZTree::SplitPoint(int n, int at, int edges) {
  if ((edges & kRightEdge) && at == n - 1) return n - 1;
  if ((edges & kLeftEdge) && at == 0) return 1;
  return n / 2;
}

ZTree::Base* ZTree::InsertAt(Base* n, ZNode* z, int edges) {
  if (n->leaf) {
    auto* lf = static_cast<Leaf*>(n);
    int lo = 0, hi = lf->n;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (ZLess(lf->items[mid], z)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    std::memmove(&lf->items[lo + 1], &lf->items[lo], sizeof(ZNode*) * (lf->n - lo));
    lf->items[lo] = z;
    if (++lf->n < kLeafCap) return nullptr;
    Leaf* right = NewLeaf();
    int keep = SplitPoint(lf->n, lo, edges);
    right->n = lf->n - keep;
    std::memcpy(right->items, &lf->items[keep], sizeof(ZNode*) * right->n);
    lf->n = keep;
    right->next = lf->next;
    right->prev = lf;
    if (lf->next) lf->next->prev = right;
    lf->next = right;
    return right;
  }
  auto* in = static_cast<Inner*>(n);
  int i = 0;
  while (i < in->n - 1 && ZLess(in->max[i], z)) ++i;
  int child_edges = (i == 0 ? edges & kLeftEdge : 0) | (i == in->n - 1 ? edges & kRightEdge : 0);
  Base* sib = InsertAt(in->child[i], z, child_edges);
  ++in->count[i];
  if (ZLess(in->max[i], z)) in->max[i] = z;
  if (sib == nullptr) return nullptr;
  int at = i + 1;
  std::memmove(&in->child[at + 1], &in->child[at], sizeof(Base*) * (in->n - at));
  std::memmove(&in->count[at + 1], &in->count[at], sizeof(size_t) * (in->n - at));
  std::memmove(&in->max[at + 1], &in->max[at], sizeof(ZNode*) * (in->n - at));
  in->child[at] = sib;
  ++in->n;
  for (int k : {i, at}) {
    in->count[k] = CountOf(in->child[k]);
    in->max[k] = MaxOf(in->child[k]);
  }
  if (in->n < kInnerCap) return nullptr;
  Inner* right = NewInner();
  // A split child at the right end put its new sibling last; at the left end the small part
  // stayed first.
  int keep = SplitPoint(in->n, at == in->n - 1 ? at : i, edges);
  right->n = in->n - keep;
  std::memcpy(right->child, &in->child[keep], sizeof(Base*) * right->n);
  std::memcpy(right->count, &in->count[keep], sizeof(size_t) * right->n);
  std::memcpy(right->max, &in->max[keep], sizeof(ZNode*) * right->n);
  in->n = keep;
  return right;
}

void ZTree::Erase(const ZNode* z) {
  EraseAt(root_, z);
  --size_;
  while (!root_->leaf && root_->n == 1) {
    Base* only = static_cast<Inner*>(root_)->child[0];
    FreeNode(root_);
    root_ = only;
  }
  if (root_->n == 0) {
    FreeNode(root_);
    root_ = nullptr;
  }
}

void ZTree::EraseAt(Base* n, const ZNode* z) {
  if (n->leaf) {
    auto* lf = static_cast<Leaf*>(n);
    int lo = 0, hi = lf->n;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (ZLess(lf->items[mid], z)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    // lo is z's slot: the node is in the tree.
    std::memmove(&lf->items[lo], &lf->items[lo + 1], sizeof(ZNode*) * (lf->n - lo - 1));
    --lf->n;
    return;
  }
  auto* in = static_cast<Inner*>(n);
  int i = 0;
  while (i < in->n - 1 && ZLess(in->max[i], z)) ++i;
  EraseAt(in->child[i], z);
  --in->count[i];
  Rebalance(in, i);
}

void ZTree::RemoveChild(Inner* in, int i) {
  Base* c = in->child[i];
  if (c->leaf) {
    auto* lf = static_cast<Leaf*>(c);
    if (lf->prev) lf->prev->next = lf->next;
    if (lf->next) lf->next->prev = lf->prev;
  }
  FreeNode(c);
  std::memmove(&in->child[i], &in->child[i + 1], sizeof(Base*) * (in->n - i - 1));
  std::memmove(&in->count[i], &in->count[i + 1], sizeof(size_t) * (in->n - i - 1));
  std::memmove(&in->max[i], &in->max[i + 1], sizeof(ZNode*) * (in->n - i - 1));
  --in->n;
}

void ZTree::Rebalance(Inner* in, int i) {
  Base* c = in->child[i];
  if (c->n == 0) {
    RemoveChild(in, i);
    return;
  }
  in->max[i] = MaxOf(c);
  int cap = c->leaf ? kLeafCap : kInnerCap;
  if (c->n > cap / 4) return;
  // Small: fold into the neighbour on the right (or the left) when both fit in half a node.
  int j = i + 1 < in->n ? i + 1 : i - 1;
  if (j < 0) return;
  int left = std::min(i, j), right = std::max(i, j);
  Base* a = in->child[left];
  Base* b = in->child[right];
  if (a->n + b->n > cap / 2) return;
  if (a->leaf) {
    auto* la = static_cast<Leaf*>(a);
    auto* lb = static_cast<Leaf*>(b);
    std::memcpy(&la->items[la->n], lb->items, sizeof(ZNode*) * lb->n);
  } else {
    auto* ia = static_cast<Inner*>(a);
    auto* ib = static_cast<Inner*>(b);
    std::memcpy(&ia->child[ia->n], ib->child, sizeof(Base*) * ib->n);
    std::memcpy(&ia->count[ia->n], ib->count, sizeof(size_t) * ib->n);
    std::memcpy(&ia->max[ia->n], ib->max, sizeof(ZNode*) * ib->n);
  }
  a->n += b->n;
  b->n = 0;
  in->count[left] += in->count[right];
  in->max[left] = MaxOf(a);
  // The emptied right node leaves the chain (its items now live in a).
  RemoveChild(in, right);
}

size_t ZTree::Rank(const ZNode* z) const {
  size_t rank = 0;
  const Base* n = root_;
  while (!n->leaf) {
    const auto* in = static_cast<const Inner*>(n);
    int i = 0;
    while (i < in->n - 1 && ZLess(in->max[i], z)) rank += in->count[i++];
    n = in->child[i];
  }
  const auto* lf = static_cast<const Leaf*>(n);
  int lo = 0, hi = lf->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (ZLess(lf->items[mid], z)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return rank + static_cast<size_t>(lo);
}

ZTree::Cursor ZTree::At(size_t rank) const {
  if (rank >= size_) return {};
  const Base* n = root_;
  while (!n->leaf) {
    const auto* in = static_cast<const Inner*>(n);
    int i = 0;
    while (rank >= in->count[i]) rank -= in->count[i++];
    n = in->child[i];
  }
  return {n, static_cast<int>(rank)};
}

ZNode* ZTree::Get(const Cursor& c) const { return static_cast<const Leaf*>(c.leaf)->items[c.idx]; }

void ZTree::Next(Cursor* c) const {
  const auto* lf = static_cast<const Leaf*>(c->leaf);
  if (++c->idx < lf->n) return;
  c->leaf = lf->next;
  c->idx = 0;
}

void ZTree::Prev(Cursor* c) const {
  const auto* lf = static_cast<const Leaf*>(c->leaf);
  if (--c->idx >= 0) return;
  lf = lf->prev;
  c->leaf = lf;
  c->idx = lf ? lf->n - 1 : 0;
}

}  // namespace sable
