// The hashes of one db that have fields with TTLs, by key, ordered by a time at or before their
// earliest field expiry: what the active expiry cycle walks. An indexed min-heap over entries
// that embed their key, so registering, moving and dropping a hash are O(log n) and the next
// hash due is the heap top. The recorded time may run early (a field lost its TTL since), never
// late: the cycle corrects early ones when it visits them.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "server/store/dict.h"

namespace sable {

class HashTtlIndex {
 public:
  explicit HashTtlIndex(uint64_t seed) : dict_(seed) {}
  ~HashTtlIndex() { Clear(); }
  HashTtlIndex(const HashTtlIndex&) = delete;
  HashTtlIndex& operator=(const HashTtlIndex&) = delete;

  size_t size() const { return heap_.size(); }
  // Records that the hash at `key` has a field expiring at `when`: the entry's time becomes the
  // earlier of the two (a new entry takes `when`).
  void Lower(std::string_view key, int64_t when);
  // Sets the entry's time to exactly `when` (the cycle, after it looked at the hash).
  void Set(std::string_view key, int64_t when);
  void Remove(std::string_view key);
  // The entry due first; false when there is none. The view lives until the next change.
  bool Earliest(std::string_view* key, int64_t* when) const;
  void Clear();
  // Visits every key.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const Item* it : heap_) fn(it->key());
  }
  // Moves some buckets of a table being rehashed, or shrinks a sparse one (cron).
  bool RehashSteps(size_t n) { return dict_.RehashSteps(n); }
  void ShrinkIfNeeded() { dict_.ShrinkIfNeeded(); }

 private:
  struct Item {
    Item* next;
    int64_t when;
    uint32_t pos;
    uint32_t key_len;
    char key_data[];
    std::string_view key() const { return {key_data, key_len}; }
  };
  struct Traits {
    static Item*& Next(Item* e) { return e->next; }
    static std::string_view Key(const Item* e) { return e->key(); }
  };

  Item* Upsert(std::string_view key, int64_t when, bool* fresh);
  void Fix(size_t pos);
  void SwapSlots(size_t a, size_t b);

  Dict<Item, Traits> dict_;
  std::vector<Item*> heap_;
};

}  // namespace sable
