// A byte buffer that holds what it needs and little more: growth reallocates to the exact new
// size and adopts whatever the allocator's size class gives (malloc_usable_size), where
// std::string doubles and leaves up to half its block unused. It suits the nodes of collection
// values, which are many, mostly full and rarely grown in a hot loop. Shrinks return memory once
// less than half the block is used. Not a general string: only what the value types need.
#pragma once

#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace sable {

class ByteBuf {
 public:
  ByteBuf() = default;
  explicit ByteBuf(std::string_view s) { assign(s); }
  ByteBuf(const ByteBuf& o) { assign(o.view()); }
  ByteBuf(ByteBuf&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        cap_(std::exchange(o.cap_, 0)) {}
  ByteBuf& operator=(const ByteBuf& o) {
    if (this != &o) assign(o.view());
    return *this;
  }
  ByteBuf& operator=(ByteBuf&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      cap_ = std::exchange(o.cap_, 0);
    }
    return *this;
  }
  ~ByteBuf() { std::free(data_); }

  const char* data() const { return data_; }
  char* data() { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: reads like a string

  void assign(std::string_view s) {
    size_ = 0;
    Reserve(s.size());
    if (!s.empty()) std::memcpy(data_, s.data(), s.size());
    size_ = static_cast<uint32_t>(s.size());
    ShrinkIfSparse();
  }
  void append(const char* p, size_t n) { replace(size_, 0, {p, n}); }
  void append(std::string_view s) { replace(size_, 0, s); }
  void insert(size_t off, std::string_view s) { replace(off, 0, s); }
  void erase(size_t off, size_t n) { replace(off, n, {}); }
  // Keeps the first n bytes (n <= size()).
  void resize(size_t n) {
    size_ = static_cast<uint32_t>(n);
    ShrinkIfSparse();
  }
  // Replaces bytes [off, off + n) with s.
  void replace(size_t off, size_t n, std::string_view s) {
    size_t tail = size_ - off - n;
    size_t new_size = size_ - n + s.size();
    Reserve(new_size);
    if (tail != 0 && s.size() != n) std::memmove(data_ + off + s.size(), data_ + off + n, tail);
    if (!s.empty()) std::memcpy(data_ + off, s.data(), s.size());
    size_ = static_cast<uint32_t>(new_size);
    if (s.size() < n) ShrinkIfSparse();
  }

 private:
  void Reserve(size_t n) {
    if (n <= cap_) return;
    Realloc(n);
  }
  void ShrinkIfSparse() {
    if (size_ == 0) {
      std::free(data_);
      data_ = nullptr;
      cap_ = 0;
    } else if (size_ < cap_ / 2 && cap_ > 64) {
      Realloc(size_);
    }
  }
  void Realloc(size_t n) {
    void* p = std::realloc(data_, n);
    if (p == nullptr) throw std::bad_alloc();
    data_ = static_cast<char*>(p);
    size_t usable = malloc_usable_size(p);
    cap_ = static_cast<uint32_t>(usable > UINT32_MAX ? UINT32_MAX : usable);
  }

  char* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t cap_ = 0;
};

}  // namespace sable
