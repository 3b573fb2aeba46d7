// One word holding either an owned heap object (a T*, freed with delete) or, when there is none,
// up to 63 bits of the owner's own state. Collection values use it for "the large form's table,
// or the compact form's element count": the two never coexist, and sharing the word keeps a
// small hash or sorted set object in a 32-byte block instead of 48.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

namespace sable {

template <typename T>
class OwnedOrBits {
  static_assert(alignof(T) >= 2, "the low bit tags the number");

 public:
  OwnedOrBits() = default;
  OwnedOrBits(const OwnedOrBits&) = delete;
  OwnedOrBits& operator=(const OwnedOrBits&) = delete;
  ~OwnedOrBits() { delete get(); }

  // Takes ownership; the bits are gone.
  OwnedOrBits& operator=(std::unique_ptr<T> p) {
    delete get();
    T* raw = p.release();
    word_ = raw ? reinterpret_cast<uintptr_t>(raw) : 1;
    return *this;
  }

  explicit operator bool() const { return (word_ & 1) == 0; }
  T* get() const { return (word_ & 1) ? nullptr : reinterpret_cast<T*>(word_); }
  T* operator->() const { return get(); }
  T& operator*() const { return *get(); }

  void swap(OwnedOrBits& o) noexcept { std::swap(word_, o.word_); }

  // The number; 0 while an object is held.
  uint64_t bits() const { return (word_ & 1) ? word_ >> 1 : 0; }
  // Sets the number (at most 2^63 - 1), freeing any object held.
  void set_bits(uint64_t b) {
    delete get();
    word_ = (b << 1) | 1;
  }

 private:
  uintptr_t word_ = 1;
};

}  // namespace sable
