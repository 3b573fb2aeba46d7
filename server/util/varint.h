// LEB128 varints (7 bits a byte, low bits first), the length prefix of every compact in-memory
// buffer (list nodes, listpack-encoded sets, hashes and sorted sets, embedded members). These
// read trusted memory the server wrote itself; the RDB decoders check their input separately.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sable {

inline size_t VarintLen(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at out (room for 10 bytes); returns the byte count.
inline size_t PutVarint(uint64_t v, char* out) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<char>(v);
  return n;
}

// Reads a varint at p into *v; returns the byte after it.
inline const char* GetVarint(const char* p, uint64_t* v) {
  auto b = static_cast<uint8_t>(*p++);
  if (b < 0x80) {
    *v = b;
    return p;
  }
  uint64_t r = b & 0x7f;
  int shift = 7;
  for (;;) {
    b = static_cast<uint8_t>(*p++);
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  *v = r;
  return p;
}

}  // namespace sable
