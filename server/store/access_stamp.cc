#include "server/store/access_stamp.h"

#include "server/util/clock.h"

namespace sable::access {
namespace {

bool g_lfu = false;
int g_log_factor = 10;
int g_decay_time = 1;
uint64_t g_rand = 0x9E3779B97F4A7C15ull;

// The minutes clock of the LFU stamp, 16 bits wide as in Redis.
uint32_t Minutes() { return static_cast<uint32_t>(CachedMs() / 60000) & 65535; }

uint32_t MinutesSince(uint32_t then) {
  uint32_t now = Minutes();
  return now >= then ? now - then : 65535 - then + now;
}

// Uniform in [0, 1): xorshift64*, cheap enough for every access.
double Random01() {
  g_rand ^= g_rand >> 12;
  g_rand ^= g_rand << 25;
  g_rand ^= g_rand >> 27;
  return static_cast<double>((g_rand * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
}

// Redis's LFULogIncr: the counter grows with probability 1 / ((counter - init) * factor + 1).
uint8_t LogIncr(uint8_t counter) {
  if (counter == 255) return 255;
  double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
  double p = 1.0 / (base * g_log_factor + 1);
  return Random01() < p ? counter + 1 : counter;
}

}  // namespace

void Configure(bool lfu, int log_factor, int decay_time) {
  g_lfu = lfu;
  g_log_factor = log_factor;
  g_decay_time = decay_time;
}

bool lfu() { return g_lfu; }

uint32_t Fresh() { return g_lfu ? (Minutes() << 8) | kLfuInitVal : LruClock(); }

uint32_t WithCounter(uint8_t counter) { return (Minutes() << 8) | counter; }

uint8_t LfuCounter(uint32_t stamp) {
  uint8_t counter = stamp & 255;
  uint32_t periods = g_decay_time > 0 ? MinutesSince(stamp >> 8) / g_decay_time : 0;
  return periods >= counter ? 0 : static_cast<uint8_t>(counter - periods);
}

uint32_t Touch(uint32_t old) {
  if (!g_lfu) return LruClock();
  return (Minutes() << 8) | LogIncr(LfuCounter(old));
}

}  // namespace sable::access
