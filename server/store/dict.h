// An intrusive chained hash table with incremental rehashing and Redis's reverse-binary SCAN
// cursor. Entries carry their own `next` link and key, so a key costs one allocation (the entry)
// plus one bucket pointer. Growing or shrinking moves a few buckets per operation (and per cron
// tick) instead of pausing, and SCAN returns every entry present for the whole scan even when the
// table is resized between calls.
//
// Traits must provide:
//   static E*& Next(E* e);
//   static std::string_view Key(const E* e);
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "server/store/hash.h"

namespace sable {

template <typename E, typename Traits>
class Dict {
 public:
  explicit Dict(uint64_t seed = 0) : seed_(seed) {}
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  ~Dict() {
    std::free(t_[0].buckets);
    std::free(t_[1].buckets);
  }

  size_t size() const { return t_[0].used + t_[1].used; }
  size_t bucket_count() const { return t_[0].size() + t_[1].size(); }
  bool rehashing() const { return rehash_idx_ >= 0; }
  uint64_t Hash(std::string_view key) const { return HashBytes(key, seed_); }

  E* Find(std::string_view key) { return Find(key, Hash(key)); }

  E* Find(std::string_view key, uint64_t h) {
    if (size() == 0) return nullptr;
    RehashStepIfNeeded();
    E** link = FindLink(key, h);
    return link ? *link : nullptr;
  }

  // Adds an entry whose key is known to be absent.
  void Insert(E* e) { Insert(e, Hash(Traits::Key(e))); }

  void Insert(E* e, uint64_t h) {
    RehashStepIfNeeded();
    ExpandIfNeeded();
    Table& t = rehashing() ? t_[1] : t_[0];
    size_t idx = h & t.mask;
    Traits::Next(e) = t.buckets[idx];
    t.buckets[idx] = e;
    ++t.used;
  }

  // Removes and returns the entry with this key, or nullptr.
  E* Unlink(std::string_view key) { return Unlink(key, Hash(key)); }

  E* Unlink(std::string_view key, uint64_t h) {
    if (size() == 0) return nullptr;
    RehashStepIfNeeded();
    for (int ti = 0; ti <= 1; ++ti) {
      Table& t = t_[ti];
      if (t.buckets == nullptr) continue;
      if (ti == 0 && rehashing() && (h & t.mask) < static_cast<size_t>(rehash_idx_)) continue;
      E** link = &t.buckets[h & t.mask];
      while (*link) {
        if (Traits::Key(*link) == key) {
          E* e = *link;
          *link = Traits::Next(e);
          Traits::Next(e) = nullptr;
          --t.used;
          return e;
        }
        link = &Traits::Next(*link);
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // Puts `fresh` where `old` (same key) stands, keeping its place in the chain.
  void Replace(E* old, E* fresh) {
    std::string_view key = Traits::Key(old);
    E** link = FindLink(key, Hash(key));
    Traits::Next(fresh) = Traits::Next(old);
    *link = fresh;
  }

  // Visits every entry; fn(E*) must not change the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (int ti = 0; ti <= 1; ++ti) {
      const Table& t = t_[ti];
      for (size_t i = 0; i < t.size(); ++i) {
        for (E* e = t.buckets[i]; e;) {
          E* next = Traits::Next(e);
          fn(e);
          e = next;
        }
      }
    }
  }

  // Empties the table, handing each entry to fn (which usually frees it).
  template <typename Fn>
  void Clear(Fn&& fn) {
    for (int ti = 0; ti <= 1; ++ti) {
      Table& t = t_[ti];
      for (size_t i = 0; i < t.size(); ++i) {
        for (E* e = t.buckets[i]; e;) {
          E* next = Traits::Next(e);
          fn(e);
          e = next;
        }
      }
      std::free(t.buckets);
      t = Table{};
    }
    rehash_idx_ = -1;
  }

  // One SCAN step: visits all entries of the bucket(s) at `cursor` and returns the next cursor
  // (0 when done). Uses reverse-binary increments so that buckets already visited stay visited
  // when the table grows or shrinks between calls.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    if (size() == 0) return 0;
    if (!rehashing()) {
      const Table& t = t_[0];
      VisitBucket(t, cursor & t.mask, fn);
      cursor = NextCursor(cursor, t.mask);
      return cursor;
    }
    // Visit the small table's bucket, then every bucket of the large table that expands it.
    const Table* small = &t_[0];
    const Table* large = &t_[1];
    if (small->size() > large->size()) std::swap(small, large);
    size_t m0 = small->mask;
    size_t m1 = large->mask;
    VisitBucket(*small, cursor & m0, fn);
    do {
      VisitBucket(*large, cursor & m1, fn);
      cursor = NextCursor(cursor, m1);
    } while (cursor & (m0 ^ m1));
    return cursor;
  }

  // A uniformly chosen bucket's random entry; nullptr when empty.
  E* Random(uint64_t (*rnd)()) {
    if (size() == 0) return nullptr;
    RehashStepIfNeeded();
    for (;;) {
      E* head = nullptr;
      if (rehashing()) {
        size_t s0 = t_[0].size(), s1 = t_[1].size();
        size_t span = s0 + s1 - rehash_idx_;
        size_t i = rehash_idx_ + rnd() % span;
        head = i >= s0 ? t_[1].buckets[i - s0] : t_[0].buckets[i];
      } else {
        head = t_[0].buckets[rnd() & t_[0].mask];
      }
      if (!head) continue;
      size_t len = 0;
      for (E* e = head; e; e = Traits::Next(e)) ++len;
      size_t pick = rnd() % len;
      E* e = head;
      while (pick--) e = Traits::Next(e);
      return e;
    }
  }

  // A uniformly chosen entry; nullptr when empty. A bucket is drawn uniformly from both tables
  // while rehashing (every entry lives in exactly one bucket), then a slot among `slots`: the
  // entry in that slot is taken, an empty slot draws again. Each entry thus has the same chance
  // per draw whatever its chain's length, where picking within the chain would favour entries
  // of short chains. `slots` starts at 4 and grows to the longest chain seen.
  E* FairRandom(uint64_t (*rnd)()) const {
    if (size() == 0) return nullptr;
    size_t slots = 4;
    for (;;) {
      E* head;
      if (rehashing()) {
        size_t s0 = t_[0].size();
        size_t i = rehash_idx_ + rnd() % (s0 + t_[1].size() - rehash_idx_);
        head = i >= s0 ? t_[1].buckets[i - s0] : t_[0].buckets[i];
      } else {
        head = t_[0].buckets[rnd() & t_[0].mask];
      }
      if (head == nullptr) continue;
      size_t len = 0;
      for (E* e = head; e; e = Traits::Next(e)) ++len;
      if (len > slots) slots = len;
      size_t pick = rnd() % slots;
      if (pick >= len) continue;
      E* e = head;
      while (pick--) e = Traits::Next(e);
      return e;
    }
  }

  // Up to `count` entries near a random spot, for eviction sampling (Redis's dictGetSomeKeys):
  // consecutive buckets of both tables from a random index, at most count * 10 of them, so a
  // sparse table yields fewer. fn(E*) sees each; returns how many it saw.
  template <typename Fn>
  size_t Sample(uint64_t (*rnd)(), size_t count, Fn&& fn) const {
    if (size() == 0 || count == 0) return 0;
    size_t tables = rehashing() ? 2 : 1;
    size_t maxmask = t_[0].mask;
    if (tables == 2 && t_[1].mask > maxmask) maxmask = t_[1].mask;
    size_t i = rnd() & maxmask;
    size_t seen = 0;
    size_t empty_run = 0;
    for (size_t steps = count * 10; steps > 0 && seen < count; --steps) {
      for (size_t t = 0; t < tables && seen < count; ++t) {
        const Table& table = t_[t];
        // Buckets below the rehash index of the old table are already empty.
        if (tables == 2 && t == 0 && i < static_cast<size_t>(rehash_idx_)) continue;
        if (i > table.mask) continue;
        E* e = table.buckets[i];
        if (e == nullptr) {
          // A long empty stretch: jump somewhere else, as Redis does.
          if (++empty_run >= 5 && empty_run > count) {
            i = rnd() & maxmask;
            empty_run = 0;
          }
          continue;
        }
        empty_run = 0;
        for (; e != nullptr && seen < count; e = Traits::Next(e)) {
          fn(e);
          ++seen;
        }
      }
      i = (i + 1) & maxmask;
    }
    return seen;
  }

  // Moves up to n buckets from the old table; returns true while rehashing continues.
  bool RehashSteps(size_t n) {
    if (!rehashing()) return false;
    size_t empty_visits = n * 10;
    Table& from = t_[0];
    Table& to = t_[1];
    while (n-- && from.used != 0) {
      while (from.buckets[rehash_idx_] == nullptr) {
        ++rehash_idx_;
        if (--empty_visits == 0) return true;
      }
      E* e = from.buckets[rehash_idx_];
      while (e) {
        E* next = Traits::Next(e);
        size_t idx = Hash(Traits::Key(e)) & to.mask;
        Traits::Next(e) = to.buckets[idx];
        to.buckets[idx] = e;
        --from.used;
        ++to.used;
        e = next;
      }
      from.buckets[rehash_idx_] = nullptr;
      ++rehash_idx_;
    }
    if (from.used == 0) {
      std::free(from.buckets);
      t_[0] = t_[1];
      t_[1] = Table{};
      rehash_idx_ = -1;
      return false;
    }
    return true;
  }

  // Called from cron: shrinks a table that is under 10% full.
  void ShrinkIfNeeded() {
    if (rehashing()) return;
    size_t sz = t_[0].size();
    if (sz > kMinSize && t_[0].used * 10 < sz) StartResize(t_[0].used);
  }

  // Allows or forbids growing (forbidden while a forked child shares memory), as Redis does.
  void set_resize_allowed(bool allowed) { resize_allowed_ = allowed; }

 private:
  static constexpr size_t kMinSize = 4;

  struct Table {
    E** buckets = nullptr;
    size_t mask = 0;
    size_t used = 0;
    size_t size() const { return buckets ? mask + 1 : 0; }
  };

  static uint64_t Reverse(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
    return __builtin_bswap64(v);
  }

  // Increments the reversed cursor: the high bits of the mask advance first, so buckets that
  // split or merge on resize are visited exactly as Redis's dictScan does.
  static uint64_t NextCursor(uint64_t v, size_t mask) {
    v |= ~static_cast<uint64_t>(mask);
    v = Reverse(v);
    ++v;
    return Reverse(v);
  }

  template <typename Fn>
  static void VisitBucket(const Table& t, size_t idx, Fn& fn) {
    for (E* e = t.buckets[idx]; e;) {
      E* next = Traits::Next(e);
      fn(e);
      e = next;
    }
  }

  E** FindLink(std::string_view key, uint64_t h) {
    for (int ti = 0; ti <= 1; ++ti) {
      Table& t = t_[ti];
      if (t.buckets == nullptr) break;
      E** link = &t.buckets[h & t.mask];
      while (*link) {
        if (Traits::Key(*link) == key) return link;
        link = &Traits::Next(*link);
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  void RehashStepIfNeeded() {
    if (rehashing()) RehashSteps(1);
  }

  void ExpandIfNeeded() {
    if (rehashing()) return;
    if (t_[0].buckets == nullptr) {
      StartResize(kMinSize);
      return;
    }
    // Load factor 1 normally; 5 when resizing is forbidden (a fork shares the pages).
    if (t_[0].used >= t_[0].size() && (resize_allowed_ || t_[0].used / t_[0].size() > 5)) {
      StartResize(t_[0].used + 1);
    }
  }

  void StartResize(size_t want) {
    size_t sz = kMinSize;
    while (sz < want) sz <<= 1;
    auto** buckets = static_cast<E**>(std::calloc(sz, sizeof(E*)));
    if (t_[0].buckets == nullptr) {
      t_[0] = Table{buckets, sz - 1, 0};
      return;
    }
    if (sz == t_[0].size()) {
      std::free(buckets);
      return;
    }
    t_[1] = Table{buckets, sz - 1, 0};
    rehash_idx_ = 0;
  }

  Table t_[2];
  int64_t rehash_idx_ = -1;
  uint64_t seed_;
  bool resize_allowed_ = true;
};

}  // namespace sable
