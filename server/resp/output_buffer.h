// A client's pending reply bytes: a list of fixed-capacity chunks, so appending never moves bytes
// already handed to a write in flight, and a flush is one vectored write over the chunks.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

class OutputBuffer {
 public:
  static constexpr size_t kChunkSize = 16 * 1024;

  void Append(const char* p, size_t n) {
    if (n == 0) return;
    if (!chunks_.empty()) {
      Chunk& last = chunks_.back();
      size_t room = last.cap - last.len;
      if (n <= room) {
        std::memcpy(last.data.get() + last.len, p, n);
        last.len += n;
        size_ += n;
        return;
      }
      if (room > 0 && n < kChunkSize) {
        std::memcpy(last.data.get() + last.len, p, room);
        last.len += room;
        size_ += room;
        p += room;
        n -= room;
      }
    }
    size_t cap = n > kChunkSize ? n : kChunkSize;
    chunks_.push_back(Chunk{std::unique_ptr<char[]>(new char[cap]), cap, n});
    std::memcpy(chunks_.back().data.get(), p, n);
    size_ += n;
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }

  // Bytes not yet consumed.
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Memory held, for client-output-buffer-limit and INFO.
  size_t allocated() const {
    size_t total = 0;
    for (const Chunk& c : chunks_) total += c.cap;
    return total;
  }

  // Fills up to max iovecs with the unconsumed bytes; returns how many.
  int FillIov(iovec* iov, int max) const {
    int n = 0;
    size_t skip = head_off_;
    for (const Chunk& c : chunks_) {
      if (n == max) break;
      iov[n].iov_base = c.data.get() + skip;
      iov[n].iov_len = c.len - skip;
      skip = 0;
      if (iov[n].iov_len) ++n;
    }
    return n;
  }

  // Drops n bytes from the front.
  void Consume(size_t n) {
    size_ -= n;
    while (n > 0) {
      Chunk& c = chunks_.front();
      size_t avail = c.len - head_off_;
      if (n < avail) {
        head_off_ += n;
        return;
      }
      n -= avail;
      head_off_ = 0;
      if (chunks_.size() == 1 && c.cap == kChunkSize) {
        c.len = 0;  // keep one ordinary chunk for reuse
        return;
      }
      chunks_.erase(chunks_.begin());
    }
  }

  void Clear() {
    chunks_.clear();
    head_off_ = 0;
    size_ = 0;
  }

  // Copies everything out (tests, captured replies).
  std::string ToString() const {
    std::string out;
    out.reserve(size_);
    size_t skip = head_off_;
    for (const Chunk& c : chunks_) {
      out.append(c.data.get() + skip, c.len - skip);
      skip = 0;
    }
    return out;
  }

 private:
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t cap;
    size_t len;
  };
  std::vector<Chunk> chunks_;
  size_t head_off_ = 0;
  size_t size_ = 0;
};

}  // namespace sable
