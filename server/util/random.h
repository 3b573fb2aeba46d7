// A fast, statistically sound 64-bit generator (wyrand: one 64x64->128 multiply per draw) for
// the server's random picks (SPOP, SRANDMEMBER, eviction samples), where std::mt19937_64 cost
// more than the pick itself. Not for anything secret.
#pragma once

#include <cstdint>

namespace sable {

class FastRng {
 public:
  explicit FastRng(uint64_t seed) : state_(seed) {}
  uint64_t operator()() {
    state_ += 0xa0761d6478bd642full;
    __uint128_t t = static_cast<__uint128_t>(state_) * (state_ ^ 0xe7037ed1a0b428dbull);
    return static_cast<uint64_t>(t >> 64) ^ static_cast<uint64_t>(t);
  }

 private:
  uint64_t state_;
};

}  // namespace sable
