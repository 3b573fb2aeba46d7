// Cluster slot math: CRC16-XMODEM and the hash-tag rule that maps a key to one of 16384 slots,
// bit-identical to Redis's crc16.c and keyHashSlot() so clients route keys the same way.
#pragma once

#include <cstdint>
#include <string_view>

namespace sable::cluster {

inline constexpr int kSlots = 16384;  // Redis Cluster's fixed slot count (CLUSTER_SLOTS).

// CRC16 with polynomial 0x1021, initial value 0, no reflection (XMODEM; Redis's crc16()).
uint16_t Crc16(std::string_view data);

// The part of `key` that is hashed: the text between the first '{' and the first '}' after it
// when that text is non-empty, otherwise the whole key (so users can co-locate keys).
std::string_view HashTag(std::string_view key);

// The slot of `key`: Crc16(HashTag(key)) mod 16384.
inline int KeySlot(std::string_view key) { return Crc16(HashTag(key)) & (kSlots - 1); }

}  // namespace sable::cluster
