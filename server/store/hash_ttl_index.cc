#include "server/store/hash_ttl_index.h"

#include <cstring>
#include <new>
#include <utility>

namespace sable {

HashTtlIndex::Item* HashTtlIndex::Upsert(std::string_view key, int64_t when, bool* fresh) {
  Item* it = dict_.Find(key);
  *fresh = it == nullptr;
  if (it != nullptr) return it;
  void* mem = std::malloc(sizeof(Item) + key.size());
  if (mem == nullptr) throw std::bad_alloc();
  it = static_cast<Item*>(mem);
  it->next = nullptr;
  it->when = when;
  it->key_len = static_cast<uint32_t>(key.size());
  if (!key.empty()) std::memcpy(it->key_data, key.data(), key.size());
  dict_.Insert(it);
  it->pos = static_cast<uint32_t>(heap_.size());
  heap_.push_back(it);
  Fix(it->pos);
  return it;
}

void HashTtlIndex::Lower(std::string_view key, int64_t when) {
  bool fresh;
  Item* it = Upsert(key, when, &fresh);
  if (!fresh && when < it->when) {
    it->when = when;
    Fix(it->pos);
  }
}

void HashTtlIndex::Set(std::string_view key, int64_t when) {
  bool fresh;
  Item* it = Upsert(key, when, &fresh);
  if (!fresh && when != it->when) {
    it->when = when;
    Fix(it->pos);
  }
}

void HashTtlIndex::Remove(std::string_view key) {
  Item* it = dict_.Unlink(key);
  if (it == nullptr) return;
  size_t pos = it->pos;
  size_t last = heap_.size() - 1;
  if (pos != last) SwapSlots(pos, last);
  heap_.pop_back();
  if (pos < heap_.size()) Fix(pos);
  std::free(it);
}

bool HashTtlIndex::Earliest(std::string_view* key, int64_t* when) const {
  if (heap_.empty()) return false;
  *key = heap_.front()->key();
  *when = heap_.front()->when;
  return true;
}

void HashTtlIndex::Clear() {
  dict_.Clear([](Item* it) { std::free(it); });
  std::vector<Item*>().swap(heap_);
}

void HashTtlIndex::SwapSlots(size_t a, size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_[a]->pos = static_cast<uint32_t>(a);
  heap_[b]->pos = static_cast<uint32_t>(b);
}

void HashTtlIndex::Fix(size_t pos) {
  while (pos > 0 && heap_[pos]->when < heap_[(pos - 1) / 2]->when) {
    SwapSlots(pos, (pos - 1) / 2);
    pos = (pos - 1) / 2;
  }
  for (;;) {
    size_t l = 2 * pos + 1, r = l + 1, m = pos;
    if (l < heap_.size() && heap_[l]->when < heap_[m]->when) m = l;
    if (r < heap_.size() && heap_[r]->when < heap_[m]->when) m = r;
    if (m == pos) return;
    SwapSlots(pos, m);
    pos = m;
  }
}

}  // namespace sable
