// maxmemory eviction as Redis 7.0 does it: before each command, while used memory (less the
// replicas' output buffers, as Redis counts it) is over maxmemory, keys chosen by the policy are
// deleted, propagated as DEL (UNLINK with lazyfree-lazy-eviction) and announced as "evicted".
// The LRU, LFU and TTL policies sample maxmemory-samples keys per database into a pool of the 16
// best candidates kept across calls and evict the best; the random ones pick at random. Each
// call is bounded in time by maxmemory-eviction-tenacity.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sable {

class Server;

class Evictor {
 public:
  enum class Result { kOk, kRunning, kFail };

  explicit Evictor(Server* server) : server_(server) {}
  // kOk: under the limit (or evicting is not ours to do); kRunning: over it, the time budget
  // spent with progress made; kFail: over it and nothing more can go.
  Result Perform();
  uint64_t evicted_keys() const { return evicted_keys_; }
  void ResetStats() { evicted_keys_ = 0; }

 private:
  struct Candidate {
    uint64_t score = 0;  // higher evicts first: idle time, 255 - LFU counter, or nearness of TTL
    int db = -1;
    std::string key;
  };
  // How far the used memory, less what the limit does not count, is over maxmemory (0 if not).
  uint64_t Overshoot(uint64_t not_counted);
  void Populate(int db, bool volatile_only);
  void Offer(uint64_t score, int db, std::string_view key);
  bool PickFromPool(int* db, std::string* key);
  bool PickRandom(bool volatile_only, int* db, std::string* key);
  void Evict(int db, const std::string& key);

  Server* server_;
  std::vector<Candidate> pool_;  // ascending by score, at most kPoolSize
  int next_db_ = 0;              // where the random policies look next
  uint64_t evicted_keys_ = 0;
};

}  // namespace sable
