// Parses RESP2/RESP3 replies into values: used where we read replies rather than write them
// (tests, Lua's redis.call, replication handshakes, sentinel's checks).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

struct RespValue {
  enum class Type { kSimple, kError, kInteger, kBulk, kNull, kArray, kMap, kSet, kDouble, kBool,
                    kVerbatim, kPush, kBigNumber, kNullArray };
  Type type = Type::kNull;
  std::string str;                // simple, error, bulk, verbatim (without format), big number
  int64_t integer = 0;            // integer, bool (0/1)
  double dbl = 0;                 // double
  std::vector<RespValue> elems;   // array, set, push; map as k1, v1, k2, v2...

  bool is_array() const {
    return type == Type::kArray || type == Type::kSet || type == Type::kPush ||
           type == Type::kMap;
  }
  // A compact, readable rendering for test failure messages.
  std::string DebugString() const;
};

// Parses one reply at the start of buf. Returns the bytes it used, 0 when incomplete, or -1
// when the bytes are not RESP.
long ParseReply(std::string_view buf, RespValue* out);

}  // namespace sable
