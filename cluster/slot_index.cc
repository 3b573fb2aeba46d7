#include "cluster/slot_index.h"

namespace sable::cluster {

void SlotIndex::Add(std::string_view key) {
  auto& set = slots_[KeySlot(key)];
  if (!set) set = std::make_unique<KeySet>();
  if (set->emplace(key).second) ++size_;
}

void SlotIndex::Remove(std::string_view key) {
  auto& set = slots_[KeySlot(key)];
  if (!set) return;
  auto it = set->find(key);
  if (it == set->end()) return;
  set->erase(it);
  --size_;
  // Emptied slots give their memory back (a migrated-away slot should not keep its buckets).
  if (set->empty()) set.reset();
}

void SlotIndex::Clear() {
  for (auto& set : slots_) set.reset();
  size_ = 0;
}

size_t SlotIndex::CountKeys(int slot) const {
  const auto& set = slots_[slot];
  return set ? set->size() : 0;
}

void SlotIndex::ForEachKey(int slot, size_t limit,
                           const std::function<void(std::string_view)>& fn) const {
  const auto& set = slots_[slot];
  if (!set) return;
  size_t n = 0;
  for (const std::string& key : *set) {
    if (n++ == limit) break;
    fn(key);
  }
}

}  // namespace sable::cluster
