// The 24 bits every key keeps about its use, read by the maxmemory policies, as Redis keeps
// them: under an LRU (or no) policy the LRU clock of the last access (server/util/clock.h);
// under an LFU policy the minute of the last decrement in the high 16 bits and a logarithmic
// access counter in the low 8 (LFU_INIT_VAL for a new key, decayed by lfu-decay-time).
#pragma once

#include <cstdint>

namespace sable::access {

// Set from maxmemory-policy, lfu-log-factor and lfu-decay-time (at start and CONFIG SET).
void Configure(bool lfu, int log_factor, int decay_time);
bool lfu();

// The stamp of a key just created.
uint32_t Fresh();
// The stamp after an access to a key stamped `old`.
uint32_t Touch(uint32_t old);
// An LFU stamp of this minute with the given counter (RESTORE ... FREQ).
uint32_t WithCounter(uint8_t counter);
// The LFU counter of a stamp, decayed for the minutes since its last decrement.
uint8_t LfuCounter(uint32_t stamp);

inline constexpr uint8_t kLfuInitVal = 5;

}  // namespace sable::access
