// The Redis version Sable answers as (INFO redis_version, HELLO, RDB aux field, fatal config
// errors): clients and tools compare it to decide which features to use.
#pragma once

namespace sable {

inline constexpr char kRedisCompatVersion[] = "7.0.15";

}  // namespace sable
