#include "server/store/zset_object.h"

#include <algorithm>
#include <cstring>

#include "server/util/varint.h"

namespace sable {

// A small sorted set costs its entry, this 32-byte object and the exact buffer.
static_assert(sizeof(ZSetObject) <= 32);

ZSetObject::~ZSetObject() {
  if (big_) big_->dict.Clear([](ZNode* z) { ZNode::Free(z); });
}

// An element is a varint member length, the member bytes, then the score: a varint u whose low
// bit 0 means an integer score (zigzag of u >> 1), as most scores are (counts, ranks, Unix
// times); u == 1 means the 8 bytes of the double follow. A small integer score costs 1 byte.
const char* ZSetObject::Read(const char* p, std::string_view* m, double* s) {
  uint64_t len = 0;
  p = GetVarint(p, &len);
  *m = std::string_view(p, len);
  uint64_t u = 0;
  p = GetVarint(p + len, &u);
  if (u == 1) {
    std::memcpy(s, p, sizeof(double));
    return p + sizeof(double);
  }
  uint64_t z = u >> 1;
  *s = static_cast<double>(static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1));
  return p;
}

void ZSetObject::Append(ByteBuf* buf, std::string_view m, double s) {
  char head[20];
  size_t n = PutVarint(m.size(), head);
  buf->append(head, n);
  buf->append(m);
  constexpr double kExact = 9007199254740992.0;  // 2^53: every integer below is a double
  if (s >= -kExact && s <= kExact && s == static_cast<double>(static_cast<int64_t>(s))) {
    auto i = static_cast<int64_t>(s);
    uint64_t z = (static_cast<uint64_t>(i) << 1) ^ static_cast<uint64_t>(i >> 63);
    buf->append(head, PutVarint(static_cast<size_t>(z << 1), head));
  } else {
    head[0] = 1;
    std::memcpy(head + 1, &s, sizeof(s));
    buf->append(head, 1 + sizeof(s));
  }
}

std::vector<const char*> ZSetObject::Offsets() const {
  std::vector<const char*> at;
  at.reserve(count());
  const char* p = buf_.data();
  for (size_t i = 0; i < count(); ++i) {
    at.push_back(p);
    std::string_view m;
    double s;
    p = Read(p, &m, &s);
  }
  return at;
}

size_t ZSetObject::Footprint() const {
  size_t bytes = sizeof(*this) + buf_.capacity();
  if (big_) {
    bytes += sizeof(Big) + big_->dict.bucket_count() * sizeof(void*) + big_->tree.Footprint();
    big_->dict.ForEach([&](const ZNode* z) { bytes += sizeof(ZNode) + z->data_bytes(); });
  }
  return bytes;
}

Object* ZSetObject::Clone() const {
  auto* copy = new ZSetObject();
  if (!big_) {
    copy->buf_ = buf_;
    copy->set_count(count());
    return copy;
  }
  copy->ConvertToBig();
  ForEach([&](std::string_view m, double s) {
    ZNode* z = ZNode::New(m, s);
    copy->big_->dict.Insert(z);
    copy->big_->tree.Insert(z);
  });
  return copy;
}

std::optional<ZSetObject::Slot> ZSetObject::FindCompact(std::string_view m) const {
  const char* base = buf_.data();
  const char* p = base;
  for (size_t i = 0; i < count(); ++i) {
    const char* start = p;
    std::string_view cur;
    double s;
    p = Read(p, &cur, &s);
    if (cur == m) {
      return Slot{static_cast<size_t>(start - base), static_cast<size_t>(p - start), i, s};
    }
  }
  return std::nullopt;
}

void ZSetObject::InsertCompact(std::string_view m, double s) {
  // Redis's listpack keeps a zero score as the integer 0: -0 reads back as 0 there.
  if (s == 0) s = 0;
  const char* base = buf_.data();
  const char* p = base;
  for (size_t i = 0; i < count(); ++i) {
    std::string_view cur;
    double cs;
    const char* next = Read(p, &cur, &cs);
    if (ZLess(s, m, cs, cur)) break;
    p = next;
  }
  ByteBuf item;
  Append(&item, m, s);
  buf_.insert(static_cast<size_t>(p - base), item.view());
  set_count(count() + 1);
}

std::optional<double> ZSetObject::Score(std::string_view member) const {
  if (big_) {
    ZNode* z = big_->dict.Find(member);
    if (z == nullptr) return std::nullopt;
    return z->score;
  }
  auto slot = FindCompact(member);
  if (!slot) return std::nullopt;
  return slot->score;
}

bool ZSetObject::Set(std::string_view member, double score, const ZSetLimits& limits) {
  if (!big_) {
    auto slot = FindCompact(member);
    if (slot) {
      if (slot->score == score) return false;
      buf_.erase(slot->off, slot->len);
      set_count(count() - 1);
      InsertCompact(member, score);
      return false;
    }
    if (count() + 1 > limits.max_entries || member.size() > limits.max_value) {
      ConvertToBig();
    } else {
      InsertCompact(member, score);
      return true;
    }
  }
  ZNode* z = big_->dict.Find(member);
  if (z != nullptr) {
    if (z->score != score) {
      big_->tree.Erase(z);
      z->score = score;
      big_->tree.Insert(z);
    }
    return false;
  }
  z = ZNode::New(member, score);
  big_->dict.Insert(z);
  big_->tree.Insert(z);
  return true;
}

bool ZSetObject::Remove(std::string_view member) {
  if (!big_) {
    auto slot = FindCompact(member);
    if (!slot) return false;
    buf_.erase(slot->off, slot->len);
    set_count(count() - 1);
    return true;
  }
  ZNode* z = big_->dict.Find(member);
  if (z == nullptr) return false;
  big_->tree.Erase(z);
  big_->dict.Unlink(member);
  ZNode::Free(z);
  return true;
}

std::optional<size_t> ZSetObject::Rank(std::string_view member) const {
  if (big_) {
    ZNode* z = big_->dict.Find(member);
    if (z == nullptr) return std::nullopt;
    return big_->tree.Rank(z);
  }
  auto slot = FindCompact(member);
  if (!slot) return std::nullopt;
  return slot->index;
}

void ZSetObject::ConvertToBig() {
  if (big_) return;
  auto big = std::make_unique<Big>();
  const char* p = buf_.data();
  for (size_t i = 0; i < count(); ++i) {
    std::string_view m;
    double s;
    p = Read(p, &m, &s);
    ZNode* z = ZNode::New(m, s);
    big->dict.Insert(z);
    big->tree.Insert(z);
  }
  buf_ = ByteBuf();
  big_ = std::move(big);
}

size_t ZSetObject::ScoreLowerBound(double v, bool exclusive) const {
  auto pred = [&](double s) { return exclusive ? s > v : s >= v; };
  if (big_) return big_->tree.LowerBound([&](const ZNode* z) { return pred(z->score); });
  size_t rank = 0;
  Walk(0, false, [&](std::string_view, double s) {
    if (pred(s)) return false;
    ++rank;
    return true;
  });
  return rank;
}

size_t ZSetObject::LexLowerBound(std::string_view v, bool exclusive) const {
  auto pred = [&](std::string_view m) { return exclusive ? m > v : m >= v; };
  if (big_) return big_->tree.LowerBound([&](const ZNode* z) { return pred(z->key()); });
  size_t rank = 0;
  Walk(0, false, [&](std::string_view m, double) {
    if (pred(m)) return false;
    ++rank;
    return true;
  });
  return rank;
}

size_t ZSetObject::RemoveRange(size_t start, size_t end) {
  end = std::min(end, size());
  if (start >= end) return 0;
  size_t n = end - start;
  if (!big_) {
    std::vector<const char*> at = Offsets();
    const char* base = buf_.data();
    size_t from = static_cast<size_t>(at[start] - base);
    size_t to = end < count() ? static_cast<size_t>(at[end] - base) : buf_.size();
    buf_.erase(from, to - from);
    set_count(count() - n);
    return n;
  }
  std::vector<ZNode*> doomed;
  doomed.reserve(n);
  Walk(start, false, [&](std::string_view m, double) {
    doomed.push_back(big_->dict.Find(m));
    return doomed.size() < n;
  });
  for (ZNode* z : doomed) {
    big_->tree.Erase(z);
    big_->dict.Unlink(z->key());
    ZNode::Free(z);
  }
  return n;
}

}  // namespace sable
