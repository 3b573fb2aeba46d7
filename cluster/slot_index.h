// The per-slot key index of a cluster node: how many keys each slot holds and which, so
// CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT (and later slot migration) never scan the keyspace.
// Only built when cluster-enabled is yes; the server feeds it from the KeyspaceHooks of db 0.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

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
  // Transparent hashing so lookups by string_view do not build a std::string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using KeySet = std::unordered_set<std::string, Hash, std::equal_to<>>;

  // Allocated on a slot's first key: an empty node costs 8 bytes per slot, not a whole set
  // (a node typically owns a third or less of the slots).
  std::array<std::unique_ptr<KeySet>, kSlots> slots_;
  size_t size_ = 0;
};

}  // namespace sable::cluster
