#include "server/control/hello_registry.h"

namespace sable::control {

std::vector<sable::SentinelHello> HelloRegistry::Announce(const sable::SentinelHello& hello,
                                                          int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(now_ms);
  entries_[{hello.master_name(), hello.run_id()}] = Entry{hello, now_ms};
  std::vector<sable::SentinelHello> others;
  // Entries of one master_name are contiguous in the map, ordered by run_id.
  for (auto it = entries_.lower_bound({hello.master_name(), std::string()});
       it != entries_.end() && it->first.first == hello.master_name(); ++it) {
    if (it->first.second == hello.run_id()) continue;
    others.push_back(it->second.hello);
  }
  return others;
}

size_t HelloRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void HelloRegistry::DropExpired(int64_t now_ms) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now_ms - it->second.received_ms > kTtlMs) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace sable::control
