// The hash value type: field -> value, in one of two encodings.
// - Compact ("listpack"): every field and value in one contiguous buffer, each a varint length
//   then its bytes, field and value alternating. Lookups scan; small hashes are the common case
//   and one buffer beats any table for them, as Redis's listpack does.
// - Table ("hashtable"): an intrusive Dict whose entries embed field and value in a single
//   allocation (next pointer, two lengths, the bytes), so a field costs one block plus one bucket
//   pointer instead of Redis's dictEntry plus two sds strings.
// A hash converts to the table once it has more than `max_entries` fields or a field or value
// longer than `max_value` bytes, and never back (as Redis). Pure structure: no replies, no Db.
//
// Field TTLs (Redis 7.4's hash field expiration): a field may carry an absolute expiry in Unix
// ms. A hash without any pays nothing for the feature; the first TTL changes the layout:
// - compact becomes "listpackex": the buffer holds triplets field, value, ttl, the ttl item being
//   the little-endian bytes of the ms (no bytes: no TTL), kept ordered by ttl with the fields
//   without one last, as Redis's listpackEx. The earliest expiry is the first triplet, and
//   expiring is cutting a prefix. A volatile field costs 7 bytes, a persistent one 1.
// - in the table, a volatile field's block carries its ms and its slot in a min-heap of the
//   table's volatile fields (12 bytes plus a heap pointer); persistent fields are unchanged.
// When the last TTL goes the compact buffer returns to pairs and the heap is freed.
// Which fields count as expired is the caller's business (expiry may be paused); this class only
// stores the times and removes the fields it is told to.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/dict.h"
#include "server/store/entry.h"
#include "server/util/byte_buf.h"
#include "server/util/owned_or_bits.h"

namespace sable {

// The thresholds of hash-max-listpack-entries / hash-max-listpack-value.
struct CompactLimits {
  uint64_t max_entries = 128;
  uint64_t max_value = 64;
};

// No TTL, as the TTL accessors report it.
constexpr int64_t kNoFieldTtl = -1;

// One field of a table-encoded hash: header, [ttl block], field bytes, value bytes. The top bit
// of the field length says a ttl block (the ms, then the heap slot) leads the data; field names
// are therefore capped at 2 GiB - 1 bytes and values at 4 GiB - 1 (longer input is cut there,
// never past the block).
// One field of a table-encoded hash: the chain link, then varint (field length << 1 | has TTL),
// varint value length, the TTL block when present (expiry time, heap slot), field and value
// bytes. A 12-byte field with a 7-byte value fits a 32-byte block.
struct HashField {
  static constexpr size_t kTtlBlock = sizeof(int64_t) + sizeof(uint32_t);

  HashField* next;
  char data[];

  // A new block; with `when` >= 0 it carries that TTL (heap slot unset).
  static HashField* New(std::string_view field, std::string_view value,
                        int64_t when = kNoFieldTtl);
  static void Free(HashField* f) { std::free(f); }
  bool has_ttl() const { return data[0] & 1; }
  std::string_view field() const {
    auto a = static_cast<uint8_t>(data[0]), b = static_cast<uint8_t>(data[1]);
    if ((a | b) < 0x80) return {data + 2 + ((a & 1) ? kTtlBlock : 0), static_cast<size_t>(a >> 1)};
    Parts p = Parse();
    return {p.field, p.flen};
  }
  std::string_view value() const {
    Parts p = Parse();
    return {p.field + p.flen, p.vlen};
  }
  int64_t when() const {
    if (!has_ttl()) return kNoFieldTtl;
    int64_t w;
    std::memcpy(&w, TtlBlock(), sizeof(w));
    return w;
  }
  void set_when(int64_t w) { std::memcpy(TtlBlock(), &w, sizeof(w)); }
  uint32_t heap_pos() const {
    uint32_t p;
    std::memcpy(&p, TtlBlock() + sizeof(int64_t), sizeof(p));
    return p;
  }
  void set_heap_pos(uint32_t p) { std::memcpy(TtlBlock() + sizeof(int64_t), &p, sizeof(p)); }
  // Bytes the block holds past the header.
  size_t data_bytes() const {
    Parts p = Parse();
    return static_cast<size_t>(p.field + p.flen + p.vlen - data);
  }

 private:
  struct Parts {
    const char* ttl;  // the TTL block (meaningful when has_ttl())
    const char* field;
    size_t flen;
    size_t vlen;
  };
  Parts Parse() const;
  char* TtlBlock() const { return const_cast<char*>(Parse().ttl); }
};

struct HashFieldTraits {
  static HashField*& Next(HashField* f) { return f->next; }
  static std::string_view Key(const HashField* f) { return f->field(); }
};

// Reads the varint-prefixed items of a compact buffer one after another.
class CompactCursor {
 public:
  explicit CompactCursor(std::string_view buf) : p_(buf.data()), end_(buf.data() + buf.size()) {}
  bool done() const { return p_ >= end_; }
  const char* pos() const { return p_; }
  std::string_view Next();

 private:
  const char* p_;
  const char* end_;
};

// Appends one varint-prefixed item to a compact buffer.
void CompactAppend(std::string* buf, std::string_view item);
void CompactAppend(ByteBuf* buf, std::string_view item);

class HashObject : public Object {
 public:
  HashObject() = default;
  ~HashObject() override;

  const char* EncodingName() const override {
    return table_ ? "hashtable" : triplets() ? "listpackex" : "listpack";
  }
  size_t Footprint() const override;
  Object* Clone() const override;

  bool compact() const { return !table_; }
  // Fields stored, expired or not.
  size_t size() const { return table_ ? table_->dict.size() : compact_size(); }
  // The value of a field; the view stays valid until the next change to this hash.
  std::optional<std::string_view> Get(std::string_view field) const;
  // The value and TTL (kNoFieldTtl when none) of a field; false when it is absent.
  bool Lookup(std::string_view field, std::string_view* value, int64_t* when) const;
  // Sets a field; true when it was new. Its TTL is dropped (HSET) unless keep_ttl (HINCRBY,
  // HSETEX KEEPTTL). Converts to the table when the limits say so.
  bool Set(std::string_view field, std::string_view value, const CompactLimits& limits,
           bool keep_ttl = false);
  // Removes a field; true when it was there.
  bool Delete(std::string_view field);
  // Forces the table encoding (conversion past a limit, or loading a big hash).
  void ConvertToTable();

  // Gives an existing field the TTL `when` (>= 0); false when the field is absent.
  bool SetExpire(std::string_view field, int64_t when);
  // Drops a field's TTL; false when it had none (or is absent).
  bool Persist(std::string_view field);
  // The earliest field TTL, kNoFieldTtl when no field has one.
  int64_t MinExpire() const;
  bool has_field_ttls() const { return MinExpire() != kNoFieldTtl; }
  // Removes, earliest first, up to `max` fields whose TTL is <= now, calling fn(field) for each
  // just before it goes; returns how many went.
  template <typename Fn>
  size_t ExpireFields(int64_t now, size_t max, Fn&& fn);

  // Every field and value, in storage order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    ForEachWithTtl([&](std::string_view f, std::string_view v, int64_t) { fn(f, v); });
  }
  // Every field, value and TTL (kNoFieldTtl when none), in storage order.
  template <typename Fn>
  void ForEachWithTtl(Fn&& fn) const {
    if (table_) {
      table_->dict.ForEach([&](HashField* f) { fn(f->field(), f->value(), f->when()); });
      return;
    }
    CompactCursor c(compact_);
    while (!c.done()) {
      std::string_view f = c.Next();
      std::string_view v = c.Next();
      int64_t when = triplets() ? DecodeTtl(c.Next()) : kNoFieldTtl;
      fn(f, v, when);
    }
  }
  // One HSCAN step. A compact hash is returned whole with cursor 0, as Redis does.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    return ScanWithTtl(cursor, [&](std::string_view f, std::string_view v, int64_t) { fn(f, v); });
  }
  template <typename Fn>
  uint64_t ScanWithTtl(uint64_t cursor, Fn&& fn) {
    if (!table_) {
      ForEachWithTtl(fn);
      return 0;
    }
    return table_->dict.Scan(cursor, [&](HashField* f) { fn(f->field(), f->value(), f->when()); });
  }
  // A uniformly random field and its value; the hash must not be empty.
  std::pair<std::string_view, std::string_view> Random(uint64_t (*rnd)()) const;

  // The compact ttl item for `when` and back (exposed for the RDB codec and tests).
  static std::string EncodeTtl(int64_t when);
  static int64_t DecodeTtl(std::string_view item);

 private:
  using Table = Dict<HashField, HashFieldTraits>;
  // The table encoding: the dict, the bytes of its blocks (for Footprint) and the min-heap of
  // its volatile fields by TTL (each field knows its slot).
  struct FieldTable {
    explicit FieldTable(uint64_t seed) : dict(seed) {}
    Table dict;
    size_t bytes = 0;
    std::vector<HashField*> heap;
  };

  size_t stride() const { return triplets() ? 3 : 2; }
  // Position of the field's item in the compact buffer, or npos.
  size_t CompactFind(std::string_view field) const;
  // The byte length of the record (field, value[, ttl]) starting at `at`.
  size_t CompactRecordLen(size_t at) const;
  // Inserts a triplet where its TTL orders it (fields without one go last).
  void CompactInsertTriplet(std::string_view field, std::string_view value, int64_t when);
  // Adds an empty ttl to every pair, or strips them all (once no field has a TTL).
  void CompactToTriplets();
  void CompactToPairs();
  // Strips the triplets / frees the heap once no field has a TTL left.
  void DropTtlLayoutIfUnused();

  void TableAdd(HashField* f);
  void TableFree(HashField* f);
  void HeapPush(HashField* f);
  void HeapRemove(HashField* f);
  void HeapFix(size_t pos);
  void HeapSwap(size_t a, size_t b);
  bool HeapLess(size_t a, size_t b) const {
    return table_->heap[a]->when() < table_->heap[b]->when();
  }

  ByteBuf compact_;             // the compact encoding (empty once converted), exactly sized
  // Until table_ exists its word holds the compact form's state: the fields held in compact_
  // and whether compact_ holds field, value, ttl triplets.
  size_t compact_size() const { return table_.bits() >> 1; }
  bool triplets() const { return table_.bits() & 1; }
  void set_compact_size(size_t n) { table_.set_bits((n << 1) | (triplets() ? 1 : 0)); }
  void set_triplets(bool on) { table_.set_bits((compact_size() << 1) | (on ? 1 : 0)); }

  OwnedOrBits<FieldTable> table_;
};

template <typename Fn>
size_t HashObject::ExpireFields(int64_t now, size_t max, Fn&& fn) {
  size_t n = 0;
  if (table_) {
    std::vector<HashField*>& heap = table_->heap;
    while (n < max && !heap.empty() && heap.front()->when() <= now) {
      HashField* f = heap.front();
      fn(f->field());
      table_->dict.Unlink(f->field());
      HeapRemove(f);
      TableFree(f);
      ++n;
    }
    if (n > 0) table_->dict.ShrinkIfNeeded();
  } else if (triplets()) {
    CompactCursor c(compact_);
    const char* cut = compact_.data();
    while (n < max && !c.done()) {
      std::string_view f = c.Next();
      c.Next();
      int64_t when = DecodeTtl(c.Next());
      if (when == kNoFieldTtl || when > now) break;
      fn(f);
      cut = c.pos();
      ++n;
    }
    compact_.erase(0, static_cast<size_t>(cut - compact_.data()));
    set_compact_size(compact_size() - n);
  }
  if (n > 0) DropTtlLayoutIfUnused();
  return n;
}

}  // namespace sable
