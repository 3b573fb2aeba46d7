#include "server/util/clock.h"

#include <time.h>

namespace sable {
namespace {
int64_t cached_ms = 0;
bool pinned = false;
}  // namespace

int64_t WallUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t WallMs() { return WallUs() / 1000; }

int64_t MonoUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t CachedMs() {
  if (cached_ms == 0) cached_ms = WallMs();
  return cached_ms;
}

void RefreshCachedTime() {
  if (!pinned) cached_ms = WallMs();
}

void PinCachedTime(int64_t ms) {
  pinned = ms != 0;
  cached_ms = pinned ? ms : WallMs();
}

uint32_t LruClock() { return static_cast<uint32_t>(CachedMs() / 1000) & kLruClockMax; }

uint64_t LruIdleSeconds(uint32_t stamp) {
  uint32_t now = LruClock();
  return now >= stamp ? now - stamp : (kLruClockMax - stamp) + now;
}

}  // namespace sable
