// The hash value type: field -> value, in one of two encodings.
// - Compact ("listpack"): every field and value in one contiguous buffer, each a varint length
//   then its bytes, field and value alternating. Lookups scan; small hashes are the common case
//   and one buffer beats any table for them, as Redis's listpack does.
// - Table ("hashtable"): an intrusive Dict whose entries embed field and value in a single
//   allocation (next pointer, two lengths, the bytes), so a field costs one block plus one bucket
//   pointer instead of Redis's dictEntry plus two sds strings.
// A hash converts to the table once it has more than `max_entries` fields or a field or value
// longer than `max_value` bytes, and never back (as Redis). Pure structure: no replies, no Db.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/store/dict.h"
#include "server/store/entry.h"

namespace sable {

// The thresholds of hash-max-listpack-entries / hash-max-listpack-value.
struct CompactLimits {
  uint64_t max_entries = 128;
  uint64_t max_value = 64;
};

// One field of a table-encoded hash: header, field bytes, value bytes.
struct HashField {
  HashField* next;
  uint32_t field_len;
  uint32_t value_len;
  char data[];

  static HashField* New(std::string_view field, std::string_view value);
  static void Free(HashField* f) { std::free(f); }
  std::string_view field() const { return {data, field_len}; }
  std::string_view value() const { return {data + field_len, value_len}; }
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

class HashObject : public Object {
 public:
  HashObject() = default;
  ~HashObject() override;

  const char* EncodingName() const override { return table_ ? "hashtable" : "listpack"; }
  size_t Footprint() const override;
  Object* Clone() const override;

  bool compact() const { return table_ == nullptr; }
  size_t size() const { return table_ ? table_->size() : compact_size_; }
  // The value of a field; the view stays valid until the next change to this hash.
  std::optional<std::string_view> Get(std::string_view field) const;
  // Sets a field; true when it was new. Converts to the table when the limits say so.
  bool Set(std::string_view field, std::string_view value, const CompactLimits& limits);
  // Removes a field; true when it was there.
  bool Delete(std::string_view field);
  // Forces the table encoding (conversion past a limit, or loading a big hash).
  void ConvertToTable();

  // Every field and value, in storage order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (table_) {
      table_->ForEach([&](HashField* f) { fn(f->field(), f->value()); });
      return;
    }
    CompactCursor c(compact_);
    while (!c.done()) {
      std::string_view f = c.Next();
      std::string_view v = c.Next();
      fn(f, v);
    }
  }
  // One HSCAN step. A compact hash is returned whole with cursor 0, as Redis does.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    if (!table_) {
      ForEach(fn);
      return 0;
    }
    return table_->Scan(cursor, [&](HashField* f) { fn(f->field(), f->value()); });
  }
  // A uniformly random field and its value; the hash must not be empty.
  std::pair<std::string_view, std::string_view> Random(uint64_t (*rnd)()) const;

 private:
  using Table = Dict<HashField, HashFieldTraits>;
  // Position of the field's item in the compact buffer, or npos.
  size_t CompactFind(std::string_view field) const;

  std::string compact_;      // the compact encoding (empty once converted)
  uint32_t compact_size_ = 0;  // fields held in compact_
  std::unique_ptr<Table> table_;
  size_t table_bytes_ = 0;  // bytes of the table's field blocks, for Footprint()
};

}  // namespace sable
