// The sentinel hellos a data node relays (NodeAdmin.AnnounceSentinel): sentinels monitoring the
// same primary find each other through it, as Redis Sentinel's __sentinel__:hello channel does.
// Thread-safe (gRPC threads use it directly; it is control-plane state, not server state).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "proto/node_admin.pb.h"

namespace sable::control {

class HelloRegistry {
 public:
  // A hello older than this is dropped: its sentinel stopped announcing itself.
  static constexpr int64_t kTtlMs = 60 * 1000;

  // Records `hello` (received at now_ms, keyed by run_id and master_name) and returns the
  // fresh hellos of the other sentinels for the same master_name, ordered by run_id.
  std::vector<sable::SentinelHello> Announce(const sable::SentinelHello& hello, int64_t now_ms);

  size_t size() const;

 private:
  struct Entry {
    sable::SentinelHello hello;
    int64_t received_ms = 0;
  };
  void DropExpired(int64_t now_ms);

  mutable std::mutex mu_;
  // (master_name, run_id) -> latest hello.
  std::map<std::pair<std::string, std::string>, Entry> entries_;
};

}  // namespace sable::control
