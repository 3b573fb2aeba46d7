// SHA-1 (FIPS 180-4), for DEBUG DIGEST, which must match Redis's digests byte for byte.
// Not for security.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sable {

class Sha1 {
 public:
  Sha1();
  void Update(const void* data, size_t n);
  std::array<uint8_t, 20> Final();

 private:
  void Block(const uint8_t* p);

  uint32_t h_[5];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

}  // namespace sable
