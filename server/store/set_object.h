// The set value type: distinct byte strings, in one of three encodings named as Redis 7.2 names
// them.
// - "intset": sorted int64s at one width (2, 4 or 8 bytes, little-endian), in one exactly sized
//   buffer, looked up by binary search. The width only grows, as Redis's intset, so the buffer
//   is byte for byte the intset blob an RDB file carries after its 8-byte header.
// - "listpack": small sets of any strings in one buffer, each member a varint length then its
//   bytes, in insertion order; lookups scan.
// - "hashtable": an intrusive Dict of SetMember blocks (next pointer, length, bytes), so a member
//   costs one allocation plus a bucket pointer instead of Redis's dictEntry and sds.
// The choice follows Redis 7.2's setTypeCreate / setTypeAdd: integers stay an intset up to
// set-max-intset-entries; a string member turns a small intset into a listpack (set-max-listpack-
// entries members, each at most set-max-listpack-value bytes) and anything larger into the table.
// Conversions go one way only, never back. Pure structure: no replies, no Db.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "server/store/dict.h"
#include "server/store/entry.h"
#include "server/util/byte_buf.h"
#include "server/util/owned_or_bits.h"

namespace sable {

// set-max-intset-entries / set-max-listpack-entries / set-max-listpack-value.
struct SetLimits {
  uint64_t max_intset_entries = 512;
  uint64_t max_listpack_entries = 128;
  uint64_t max_listpack_value = 64;
};

// One member of a table-encoded set: the link, the length and the bytes in one block.
struct SetMember {
  SetMember* next;
  uint32_t len;
  char data[];

  // Members are capped at 4 GiB - 1 bytes (proto-max-bulk-len stays far below).
  static SetMember* New(std::string_view member);
  static void Free(SetMember* m) { std::free(m); }
  std::string_view view() const { return {data, len}; }
};

struct SetMemberTraits {
  static SetMember*& Next(SetMember* m) { return m->next; }
  static std::string_view Key(const SetMember* m) { return m->view(); }
};

class SetObject : public Object {
 public:
  enum class Kind : uint8_t { kIntset, kListpack, kTable };

  explicit SetObject(Kind kind = Kind::kIntset);
  ~SetObject() override;
  SetObject(const SetObject&) = delete;
  SetObject& operator=(const SetObject&) = delete;

  // An empty set in the encoding Redis 7.2's setTypeCreate() picks for a set about to receive
  // `first` and about `size_hint` members in all.
  static SetObject* Create(std::string_view first, size_t size_hint, const SetLimits& limits);

  const char* EncodingName() const override;
  size_t Footprint() const override;
  Object* Clone() const override;

  Kind kind() const {
    return table_ ? Kind::kTable : (table_.bits() & 1) ? Kind::kListpack : Kind::kIntset;
  }
  size_t size() const;
  bool Contains(std::string_view member) const;
  // Adds a member; true when it was new. Converts as Redis's setTypeAdd() does.
  bool Add(std::string_view member, const SetLimits& limits);
  // Removes a member; true when it was there.
  bool Remove(std::string_view member);

  // Every member in storage order: ascending for an intset, insertion order for a listpack.
  // The view passed to fn lives only for the call. fn must not change the set.
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  // One SSCAN step. An intset or listpack is returned whole with cursor 0, as Redis does.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;
  // A random member (as uniform as Redis's pick); the set must not be empty.
  std::string Random(uint64_t (*rnd)()) const;
  // Removes and returns a random member; the set must not be empty.
  std::string PopRandom(uint64_t (*rnd)());
  // Exchanges the contents of two sets (SPOP keeping the few remaining members in a new set).
  void Swap(SetObject& other);

  // Low-level pieces for the RDB codec, which applies Redis's loading rules itself.
  // True when `member` would be stored in an intset (a canonical int64, as string2ll takes).
  static bool IsIntMember(std::string_view member, int64_t* v);
  // Inserts into the current encoding with no limit or conversion; false when already present.
  // An intset only takes integers (check with IsIntMember first).
  bool Insert(std::string_view member);
  void ConvertToListpack();  // from an intset
  void ConvertToTable();     // from an intset or a listpack
  // The intset's width in bytes (2, 4, 8) and its packed values (an intset only).
  uint32_t intset_width() const { return width(); }
  std::string_view intset_data() const { return buf_.view(); }
  // A set of `data` (packed sorted values, `width` bytes each, checked by the caller).
  static SetObject* FromIntset(uint32_t width, std::string_view data);

 private:
  using Table = Dict<SetMember, SetMemberTraits>;
  struct MemberTable {
    explicit MemberTable(uint64_t seed) : dict(seed) {}
    Table dict;
    size_t bytes = 0;  // of the member blocks, for Footprint
  };

  // Intset helpers.
  size_t IntCount() const { return buf_.size() / width(); }
  int64_t IntAt(size_t i) const;
  // Index of v, or where it would go (and *found false).
  size_t IntSearch(int64_t v, bool* found) const;
  bool IntInsert(int64_t v);
  bool IntRemove(int64_t v);
  // Listpack helpers: byte offset of the member's item, or npos.
  size_t CompactFind(std::string_view member) const;
  void CompactAppend(std::string_view member);
  void TableAdd(std::string_view member) { TableAdd(table_.get(), member); }
  static void TableAdd(MemberTable* table, std::string_view member);
  // A uniformly chosen member of the table (which must not be empty).
  SetMember* TableRandom(uint64_t (*rnd)()) const;
  static uint64_t IntsetLimit(const SetLimits& limits);
  std::string_view CompactAt(size_t index) const;
  void RemoveCompactAt(size_t offset);

  // Until table_ exists its word holds the compact state: bit 0 set for a listpack, bits 1-4
  // the intset width, the rest the listpack's member count.
  uint32_t width() const { return static_cast<uint32_t>((table_.bits() >> 1) & 0xf); }
  size_t count() const { return table_.bits() >> 5; }
  void SetCompactState(Kind kind, uint32_t width, size_t count) {
    table_.set_bits((count << 5) | (width << 1) | (kind == Kind::kListpack ? 1 : 0));
  }
  void set_width(uint32_t w) { SetCompactState(kind(), w, count()); }
  void set_count(size_t n) { SetCompactState(kind(), width(), n); }

  ByteBuf buf_;  // intset values or listpack items
  OwnedOrBits<MemberTable> table_;
};

// Reads one varint-prefixed item of a listpack-encoded set (exposed for ForEach).
std::string_view SetNextItem(const char** p);
// Formats an intset value for ForEach (buf at least 21 bytes).
size_t SetFormatInt(int64_t v, char* buf);

template <typename Fn>
void SetObject::ForEach(Fn&& fn) const {
  switch (kind()) {
    case Kind::kIntset: {
      char buf[24];
      size_t n = IntCount();
      for (size_t i = 0; i < n; ++i) fn(std::string_view(buf, SetFormatInt(IntAt(i), buf)));
      return;
    }
    case Kind::kListpack: {
      const char* p = buf_.data();
      const char* end = p + buf_.size();
      while (p < end) fn(SetNextItem(&p));
      return;
    }
    case Kind::kTable:
      table_->dict.ForEach([&](SetMember* m) { fn(m->view()); });
      return;
  }
}

template <typename Fn>
uint64_t SetObject::Scan(uint64_t cursor, Fn&& fn) const {
  if (kind() != Kind::kTable) {
    ForEach(fn);
    return 0;
  }
  return table_->dict.Scan(cursor, [&](SetMember* m) { fn(m->view()); });
}

}  // namespace sable
