// The per-slot key index of a cluster node: how many keys each slot holds and which, so
// CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT (and later slot migration) never scan the keyspace.
// Only built when cluster-enabled is yes; the server feeds it from the KeyspaceHooks of db 0.
#pragma once

#include <array>
#include <cstdlib>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"

#include "cluster/slot.h"

namespace sable::cluster {

class SlotIndex {
 public:
  SlotIndex() = default;
  SlotIndex(const SlotIndex&) = delete;
  SlotIndex& operator=(const SlotIndex&) = delete;

  // A key came into the keyspace; adding a key already indexed is a no-op.
  void Add(std::string_view key);
  // A key left the keyspace; removing an unknown key is a no-op.
  void Remove(std::string_view key);
  // Forgets every key (FLUSHALL, or before a rebuild after the db was swapped).
  void Clear();

  // Keys in `slot` (0..kSlots-1).
  size_t CountKeys(int slot) const;
  // Calls fn for up to `limit` keys of `slot`, in no particular order.
  void ForEachKey(int slot, size_t limit, const std::function<void(std::string_view)>& fn) const;
  // Keys indexed over all slots.
  size_t size() const { return size_; }

 private:
  // One indexed key in a single allocation: its length, then its bytes. 8 bytes in the set's
  // slot plus the key rounded up by the allocator, where a std::string node in an
  // unordered_set cost about 60 bytes of overhead per key.
  class PackedKey {
   public:
    explicit PackedKey(std::string_view key);
    PackedKey(PackedKey&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
    PackedKey& operator=(PackedKey&& other) noexcept;
    PackedKey(const PackedKey&) = delete;
    PackedKey& operator=(const PackedKey&) = delete;
    ~PackedKey() { std::free(p_); }
    std::string_view view() const;

   private:
    char* p_;
  };
  // Transparent hashing and equality so lookups by string_view build nothing.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return absl::Hash<std::string_view>{}(s); }
    size_t operator()(const PackedKey& k) const { return (*this)(k.view()); }
  };
  struct Eq {
    using is_transparent = void;
    static std::string_view V(std::string_view s) { return s; }
    static std::string_view V(const PackedKey& k) { return k.view(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return V(a) == V(b);
    }
  };
  // Open addressing (absl's Swiss table): one control byte and one pointer per slot.
  using KeySet = absl::flat_hash_set<PackedKey, Hash, Eq>;

  // Allocated on a slot's first key: an empty node costs 8 bytes per slot, not a whole set
  // (a node typically owns a third or less of the slots).
  std::array<std::unique_ptr<KeySet>, kSlots> slots_;
  size_t size_ = 0;
};

}  // namespace sable::cluster
