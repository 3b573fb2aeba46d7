// Seeded 64-bit hash for keyspace tables. Multiply-mix in the style of wyhash: fast on short
// keys (the common case) and seeded at start-up so clients cannot aim collisions at us.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace sable {

namespace hash_detail {

inline uint64_t Mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline uint64_t Read8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline uint64_t Read4(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

constexpr uint64_t kP0 = 0xa0761d6478bd642full;
constexpr uint64_t kP1 = 0xe7037ed1a0b428dbull;
constexpr uint64_t kP2 = 0x8ebc6af09c88c6e3ull;

}  // namespace hash_detail

inline uint64_t HashBytes(std::string_view s, uint64_t seed) {
  using namespace hash_detail;
  const char* p = s.data();
  size_t len = s.size();
  uint64_t a;
  uint64_t b;
  seed ^= kP0;
  if (len <= 16) {
    if (len >= 4) {
      a = (Read4(p) << 32) | Read4(p + ((len >> 3) << 2));
      b = (Read4(p + len - 4) << 32) | Read4(p + len - 4 - ((len >> 3) << 2));
    } else if (len > 0) {
      a = (static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16) |
          (static_cast<uint64_t>(static_cast<uint8_t>(p[len >> 1])) << 8) |
          static_cast<uint8_t>(p[len - 1]);
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = len;
    if (i > 48) {
      uint64_t s1 = seed;
      uint64_t s2 = seed;
      do {
        seed = Mix(Read8(p) ^ kP1, Read8(p + 8) ^ seed);
        s1 = Mix(Read8(p + 16) ^ kP2, Read8(p + 24) ^ s1);
        s2 = Mix(Read8(p + 32) ^ kP0, Read8(p + 40) ^ s2);
        p += 48;
        i -= 48;
      } while (i > 48);
      seed ^= s1 ^ s2;
    }
    while (i > 16) {
      seed = Mix(Read8(p) ^ kP1, Read8(p + 8) ^ seed);
      i -= 16;
      p += 16;
    }
    a = Read8(p + i - 16);
    b = Read8(p + i - 8);
  }
  return Mix(kP1 ^ len, Mix(a ^ kP1, b ^ seed));
}

}  // namespace sable
