#include "server/core/evictor.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "server/config/keyspace_events.h"
#include "server/core/server.h"
#include "server/repl/replica.h"
#include "server/store/access_stamp.h"
#include "server/util/clock.h"

namespace sable {
namespace {

constexpr size_t kPoolSize = 16;

// Redis's time budget per call from maxmemory-eviction-tenacity: 50 us per step up to 10, then
// growing 15% per step; 100 means no limit.
int64_t TimeLimitUs(int tenacity) {
  if (tenacity <= 10) return 50 * static_cast<int64_t>(tenacity);
  if (tenacity < 100) return static_cast<int64_t>(500.0 * std::pow(1.15, tenacity - 10));
  return std::numeric_limits<int64_t>::max();
}

bool VolatileOnly(MaxmemoryPolicy p) {
  return p == MaxmemoryPolicy::kVolatileLru || p == MaxmemoryPolicy::kVolatileLfu ||
         p == MaxmemoryPolicy::kVolatileRandom || p == MaxmemoryPolicy::kVolatileTtl;
}

bool RandomPolicy(MaxmemoryPolicy p) {
  return p == MaxmemoryPolicy::kAllkeysRandom || p == MaxmemoryPolicy::kVolatileRandom;
}

}  // namespace

uint64_t Evictor::Overshoot(uint64_t not_counted) {
  uint64_t limit = server_->cfg().maxmemory;
  uint64_t used = server_->UsedMemoryFast();
  used = used > not_counted ? used - not_counted : 0;
  return used > limit ? used - limit : 0;
}

Evictor::Result Evictor::Perform() {
  const ServerConfig& cfg = server_->cfg();
  if (cfg.maxmemory == 0) return Result::kOk;
  // A replica leaves eviction to its primary (replica-ignore-maxmemory), and a load applies all.
  if (server_->loading()) return Result::kOk;
  if (cfg.replica_ignore_maxmemory && server_->replica().is_replica()) return Result::kOk;
  // The cheap estimate first (what is not counted only lowers it); only past the limit are
  // jemalloc and the replicas' buffers asked.
  if (Overshoot(0) == 0) return Result::kOk;
  server_->RefreshMemoryBaseline();
  const uint64_t not_counted = server_->MemoryNotCountedForEviction();
  if (Overshoot(not_counted) == 0) return Result::kOk;
  if (cfg.maxmemory_policy == MaxmemoryPolicy::kNoEviction) return Result::kFail;
  const bool volatile_only = VolatileOnly(cfg.maxmemory_policy);
  const bool random = RandomPolicy(cfg.maxmemory_policy);
  const int64_t deadline = MonoUs() + TimeLimitUs(cfg.maxmemory_eviction_tenacity);
  // The latency monitor's eviction-cycle: how long this call evicted for.
  struct CycleTimer {
    ~CycleTimer() { server->LatencySample("eviction-cycle", (MonoUs() - start) / 1000); }
    Server* server;
    int64_t start;
  } timer{server_, MonoUs()};
  size_t keys_freed = 0;
  for (;;) {
    int db = -1;
    std::string key;
    bool found = false;
    if (random) {
      found = PickRandom(volatile_only, &db, &key);
    } else {
      for (int tries = 0; tries < 4 && !found; ++tries) {
        for (int i = 0; i < server_->db_count(); ++i) Populate(i, volatile_only);
        found = PickFromPool(&db, &key);
        if (pool_.empty() && !found) break;
      }
    }
    if (!found) return keys_freed > 0 && Overshoot(not_counted) == 0 ? Result::kOk : Result::kFail;
    Evict(db, key);
    ++keys_freed;
    // With lazy eviction the memory goes on another thread: ask jemalloc now and then.
    if (keys_freed % 16 == 0) {
      if (cfg.lazyfree_lazy_eviction) server_->RefreshMemoryBaseline();
      if (Overshoot(not_counted) == 0) return Result::kOk;
      if (MonoUs() > deadline) return Result::kRunning;
    } else if (Overshoot(not_counted) == 0) {
      return Result::kOk;
    }
  }
}

void Evictor::Offer(uint64_t score, int db, std::string_view key) {
  if (pool_.size() == kPoolSize && score <= pool_.front().score) return;
  for (const Candidate& c : pool_) {
    if (c.db == db && c.key == key) return;
  }
  auto pos = std::find_if(pool_.begin(), pool_.end(),
                          [score](const Candidate& c) { return c.score >= score; });
  if (pool_.size() == kPoolSize) {
    // The worst candidate gives way; everything below the new one's place shifts down.
    auto slot = std::rotate(pool_.begin(), pool_.begin() + 1, pos);  // the front, moved
    slot->score = score;
    slot->db = db;
    slot->key.assign(key);
    return;
  }
  pool_.insert(pos, Candidate{score, db, std::string(key)});
}

void Evictor::Populate(int db_index, bool volatile_only) {
  Db& db = server_->db(db_index);
  const MaxmemoryPolicy policy = server_->cfg().maxmemory_policy;
  size_t n = static_cast<size_t>(server_->cfg().maxmemory_samples);
  auto score = [policy](const Entry* e, int64_t when) -> uint64_t {
    switch (policy) {
      case MaxmemoryPolicy::kAllkeysLfu:
      case MaxmemoryPolicy::kVolatileLfu:
        return 255 - access::LfuCounter(e->lru());
      case MaxmemoryPolicy::kVolatileTtl:
        return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(when);
      default:
        return LruIdleSeconds(e->lru());
    }
  };
  if (volatile_only) {
    if (db.expires_size() == 0) return;
    db.SampleVolatile(n, [&](const ExpireEntry* x) {
      if (const Entry* e = db.Peek(x->key())) Offer(score(e, x->when), db_index, x->key());
    });
  } else {
    if (db.size() == 0) return;
    db.SampleKeys(n, [&](const Entry* e) { Offer(score(e, 0), db_index, e->key()); });
  }
}

bool Evictor::PickFromPool(int* db, std::string* key) {
  while (!pool_.empty()) {
    Candidate best = std::move(pool_.back());
    pool_.pop_back();
    // It may be gone (deleted, expired, or its db flushed) since it was sampled.
    Db& d = server_->db(best.db);
    Entry* e = d.Peek(best.key);
    if (e == nullptr) continue;
    if (VolatileOnly(server_->cfg().maxmemory_policy) && !e->has_expire()) continue;
    *db = best.db;
    *key = std::move(best.key);
    return true;
  }
  return false;
}

bool Evictor::PickRandom(bool volatile_only, int* db, std::string* key) {
  for (int i = 0; i < server_->db_count(); ++i) {
    int index = next_db_++ % server_->db_count();
    Db& d = server_->db(index);
    if (volatile_only) {
      const ExpireEntry* x = d.RandomVolatile();
      if (x == nullptr) continue;
      key->assign(x->key());
    } else {
      const Entry* e = d.RandomKey();
      if (e == nullptr) continue;
      key->assign(e->key());
    }
    *db = index;
    return true;
  }
  return false;
}

void Evictor::Evict(int db_index, const std::string& key) {
  bool lazy = server_->cfg().lazyfree_lazy_eviction;
  int64_t t0 = MonoUs();
  server_->db(db_index).Delete(key, lazy);
  server_->LatencySample("eviction-del", (MonoUs() - t0) / 1000);
  std::vector<std::string_view> del = {lazy ? "UNLINK" : "DEL", key};
  server_->Propagate(db_index, del);
  server_->Notify(kNotifyEvicted, "evicted", key, db_index);
  ++evicted_keys_;
}

}  // namespace sable
