// The sorted set value type: members with a double score, ordered by (score, member bytes).
// - Compact ("listpack"): every member and its score in one exactly sized buffer, sorted, each
//   a varint length, the bytes, then the score (an integer score as a varint, 1 byte when small;
//   any other as a tag byte and the 8-byte double). Small sets are the common case and a scan of
//   one buffer beats any index for them.
// - Large ("skiplist", the name Redis reports): a hash table of ZNodes (member bytes and score
//   in one block, see zset_tree.h) for member lookups, and the ZTree B+ tree of pointers to
//   them for order and ranks. A member costs its block and about 19 bytes of index, where Redis
//   pays a dictEntry, an sds and a skiplist node.
// A set converts to the large form once it has more than `max_entries` members or a member
// longer than `max_value` bytes, and never back (as Redis, except that a STORE result is built
// in the form its size calls for). Pure structure: no replies, no Db.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/dict.h"
#include "server/store/entry.h"
#include "server/store/zset_tree.h"
#include "server/util/byte_buf.h"
#include "server/util/owned_or_bits.h"

namespace sable {

// zset-max-listpack-entries / zset-max-listpack-value.
struct ZSetLimits {
  uint64_t max_entries = 128;
  uint64_t max_value = 64;
};

class ZSetObject : public Object {
 public:
  ZSetObject() = default;
  ~ZSetObject() override;
  ZSetObject(const ZSetObject&) = delete;
  ZSetObject& operator=(const ZSetObject&) = delete;

  const char* EncodingName() const override { return big_ ? "skiplist" : "listpack"; }
  size_t Footprint() const override;
  Object* Clone() const override;

  size_t size() const { return big_ ? big_->tree.size() : count(); }
  bool compact() const { return !big_; }

  std::optional<double> Score(std::string_view member) const;
  // Adds the member or moves it to a new score; true when it was new.
  bool Set(std::string_view member, double score, const ZSetLimits& limits);
  bool Remove(std::string_view member);
  // 0-based ascending rank of a member.
  std::optional<size_t> Rank(std::string_view member) const;
  void ConvertToBig();

  // Rank of the first element with score >= v (> v when exclusive).
  size_t ScoreLowerBound(double v, bool exclusive) const;
  // Rank of the first element whose member is >= v (> v when exclusive), for sets whose
  // elements share one score (what the BYLEX commands assume, as in Redis).
  size_t LexLowerBound(std::string_view v, bool exclusive) const;

  // Calls fn(member, score) from ascending rank `rank` upwards (or downwards when reverse)
  // until fn returns false or the set ends.
  template <typename Fn>
  void Walk(size_t rank, bool reverse, Fn&& fn) const {
    if (rank >= size()) return;
    if (big_) {
      ZTree::Cursor c = big_->tree.At(rank);
      while (c.leaf != nullptr) {
        ZNode* z = big_->tree.Get(c);
        if (!fn(z->key(), z->score)) return;
        reverse ? big_->tree.Prev(&c) : big_->tree.Next(&c);
      }
      return;
    }
    if (!reverse) {
      const char* p = buf_.data();
      for (size_t i = 0; i < count(); ++i) {
        std::string_view m;
        double s;
        p = Read(p, &m, &s);
        if (i >= rank && !fn(m, s)) return;
      }
      return;
    }
    std::vector<const char*> at = Offsets();
    for (size_t i = rank + 1; i-- > 0;) {
      std::string_view m;
      double s;
      Read(at[i], &m, &s);
      if (!fn(m, s)) return;
    }
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    Walk(0, false, [&](std::string_view m, double s) {
      fn(m, s);
      return true;
    });
  }

  // One SCAN step over members: fn(member, score) per member of the visited buckets; returns
  // the next cursor (0 when done). A compact set is visited whole in one step.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    if (!big_) {
      ForEach(fn);
      return 0;
    }
    return big_->dict.Scan(cursor, [&](const ZNode* z) { fn(z->key(), z->score); });
  }

  // Removes the elements of ascending ranks [start, end); returns how many went.
  size_t RemoveRange(size_t start, size_t end);

 private:
  using Table = Dict<ZNode, ZNodeTraits>;
  struct Big {
    Table dict;
    ZTree tree;
  };

  static const char* Read(const char* p, std::string_view* m, double* s);
  static void Append(ByteBuf* buf, std::string_view m, double s);
  std::vector<const char*> Offsets() const;
  // Compact form: the byte offset and index of a member, or nullopt.
  struct Slot {
    size_t off, len, index;
    double score;
  };
  std::optional<Slot> FindCompact(std::string_view m) const;
  void InsertCompact(std::string_view m, double s);

  // Compact form: members in buf_; their count sits in big_'s word until big_ exists.
  size_t count() const { return big_.bits(); }
  void set_count(size_t n) { big_.set_bits(n); }

  ByteBuf buf_;
  OwnedOrBits<Big> big_;
};

}  // namespace sable
