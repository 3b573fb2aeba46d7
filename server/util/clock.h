// Time as the command path sees it. The dispatcher refreshes the cached clock before each command
// so that every expiry decision inside one command (or one MULTI/EXEC) uses the same instant, as
// Redis does.
#pragma once

#include <cstdint>

namespace sable {

// Milliseconds since the epoch, read from the system clock now.
int64_t WallMs();
// Microseconds since the epoch, read from the system clock now.
int64_t WallUs();
// A monotonic microsecond clock for measuring durations.
int64_t MonoUs();

// The cached instant used for expiry; refreshed by RefreshCachedTime().
int64_t CachedMs();
void RefreshCachedTime();
// Pins the cached clock (tests and DEBUG); 0 unpins.
void PinCachedTime(int64_t ms);

// The LRU clock in seconds, kept to 24 bits like Redis's object lru field.
constexpr uint32_t kLruClockMax = (1u << 24) - 1;
uint32_t LruClock();
// Seconds since an entry's LRU stamp, handling wrap-around of the 24-bit clock.
uint64_t LruIdleSeconds(uint32_t stamp);

}  // namespace sable
