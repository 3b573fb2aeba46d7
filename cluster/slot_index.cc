#include "cluster/slot_index.h"

#include <cstring>

namespace sable::cluster {

SlotIndex::PackedKey::PackedKey(std::string_view key)
    : p_(static_cast<char*>(std::malloc(sizeof(uint32_t) + key.size()))) {
  const auto len = static_cast<uint32_t>(key.size());
  std::memcpy(p_, &len, sizeof(len));
  std::memcpy(p_ + sizeof(len), key.data(), key.size());
}

SlotIndex::PackedKey& SlotIndex::PackedKey::operator=(PackedKey&& other) noexcept {
  if (this != &other) {
    std::free(p_);
    p_ = other.p_;
    other.p_ = nullptr;
  }
  return *this;
}

std::string_view SlotIndex::PackedKey::view() const {
  uint32_t len;
  std::memcpy(&len, p_, sizeof(len));
  return {p_ + sizeof(len), len};
}

void SlotIndex::Add(std::string_view key) {
  auto& set = slots_[KeySlot(key)];
  if (!set) set = std::make_unique<KeySet>();
  // One hash and probe: the key is copied only when it is new.
  const size_t before = set->size();
  set->lazy_emplace(key, [key](const KeySet::constructor& ctor) { ctor(key); });
  size_ += set->size() - before;
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
  for (const PackedKey& key : *set) {
    if (n++ == limit) break;
    fn(key.view());
  }
}

}  // namespace sable::cluster
