// One numbered database: the keyspace table, the expires table beside it, lazy and active
// expiry, and the hooks through which the rest of the server learns about changes (WATCH,
// notifications, propagation, cluster slot index, blocked clients). The store never builds
// replies and knows nothing of clients or cluster.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/dict.h"
#include "server/store/entry.h"
#include "server/store/hash_ttl_index.h"

namespace sable {

class Db;

// Implemented by the server; every method has a do-nothing default so tests can pass nullptr-ish
// hooks.
class KeyspaceHooks {
 public:
  virtual ~KeyspaceHooks() = default;
  // A key's value or TTL changed, or the key was deleted (WATCH, client tracking).
  virtual void KeyModified(Db& db, std::string_view key) {}
  // A key was removed because it expired (keyspace event, DEL propagation).
  virtual void KeyExpired(Db& db, std::string_view key) {}
  // Fields of the hash at `key` were removed by the active cycle because their TTL passed
  // (`hexpired`, one HDEL each downstream); `key_deleted` when the last field went with them.
  virtual void FieldsExpired(Db& db, std::string_view key, const std::vector<std::string>& fields,
                             bool key_deleted) {}
  // A key came into or left the keyspace (cluster per-slot index).
  virtual void KeyAdded(Db& db, std::string_view key) {}
  virtual void KeyRemoved(Db& db, std::string_view key) {}
  // The database was emptied or swapped.
  virtual void DbFlushed(Db& db) {}
  // Whether expired keys may be deleted here (replicas wait for the primary's DEL).
  virtual bool ExpireAllowed() { return true; }
  // While true no key counts as expired (loading an AOF: the log was written against keys that
  // were alive then, as Redis's keyIsExpired() returns 0 while loading).
  virtual bool ExpiryPaused() { return false; }
};

class ExpireEntry {
 public:
  static ExpireEntry* New(std::string_view key, int64_t when);
  static void Free(ExpireEntry* e) { std::free(e); }
  std::string_view key() const { return {key_, key_len_}; }
  int64_t when;
  ExpireEntry* next;

 private:
  uint32_t key_len_;
  char key_[];
};

struct ExpireTraits {
  static ExpireEntry*& Next(ExpireEntry* e) { return e->next; }
  static std::string_view Key(const ExpireEntry* e) { return e->key(); }
};

using KeyTable = Dict<Entry, EntryTraits>;
using ExpireTable = Dict<ExpireEntry, ExpireTraits>;

// Frees values off the main loop (UNLINK, FLUSHALL ASYNC).
class LazyFreer {
 public:
  virtual ~LazyFreer() = default;
  virtual void FreeEntry(Entry* e) = 0;
  virtual void FreeTables(std::unique_ptr<KeyTable> keys, std::unique_ptr<ExpireTable> exp) = 0;
};

class Db {
 public:
  Db(int index, KeyspaceHooks* hooks, uint64_t seed);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int index() const { return index_; }
  size_t size() const { return keys_->size(); }
  size_t expires_size() const { return expires_->size(); }
  // What the tables themselves take beside the entries (MEMORY STATS overhead.hashtable.*).
  size_t MainTableBytes() const { return keys_->bucket_count() * sizeof(void*); }
  size_t ExpireTableBytes() const {
    return expires_->bucket_count() * sizeof(void*) + expires_->size() * sizeof(ExpireEntry);
  }
  int64_t avg_ttl() const { return avg_ttl_; }

  // Lookup for reading: deletes the key first when expired; bumps the access clock unless
  // `touch` is false. Counts hits/misses for INFO when `stats` is set.
  Entry* Find(std::string_view key, bool touch = true);
  // Lookup without expiring or touching anything (OBJECT, DEBUG, SCAN filters).
  Entry* Peek(std::string_view key) { return keys_->Find(key); }
  bool Expired(const Entry* e);

  // Adds a key that is absent (caller checked with Find). Takes ownership.
  void Add(Entry* e);
  // Puts `fresh` in place of the existing `old` for the same key (keeps TTL); frees `old`.
  void Replace(Entry* old, Entry* fresh);
  // Sets the key to `e`, replacing any old value. Clears the TTL unless keep_ttl.
  void Upsert(Entry* e, bool keep_ttl);
  // Deletes a key; returns false when it was absent. `lazy` hands big values to the freer.
  bool Delete(std::string_view key, bool lazy = false);
  // Removes a key and hands its entry to the caller (MOVE, RENAME); its TTL is returned in *ttl
  // (-1 when none).
  Entry* Detach(std::string_view key, int64_t* when);

  // TTL in absolute ms, or -1 when the key has none.
  int64_t GetExpire(const Entry* e);
  void SetExpire(Entry* e, int64_t when_ms);
  // Returns true when a TTL was removed.
  bool RemoveExpire(Entry* e);

  // Hash field TTLs: a command that gives a field of the hash at `key` the TTL `when` reports
  // it here, so the active cycle visits the hash by then. Hashes arriving through Add (RENAME,
  // COPY, RESTORE, loading) are registered, and leaving ones dropped, by the Db itself.
  void NoteFieldExpiry(std::string_view key, int64_t when) { hash_ttls_->Lower(key, when); }
  // Hashes registered with field TTLs (some may have lost theirs since).
  size_t hashes_with_field_ttls() const { return hash_ttls_->size(); }
  // True when some hash here really holds a field with a TTL (the RDB writer's version choice).
  bool HasFieldTtls() const;

  // Signals a change made in place to an existing key (APPEND, INCR).
  void Touched(std::string_view key) { hooks_->KeyModified(*this, key); }

  // Empties the database; `lazy` frees the old tables off the loop. Returns keys removed.
  size_t Flush(bool lazy);
  // Exchanges contents with another db (SWAPDB).
  void SwapWith(Db& other);

  // One SCAN step over the keyspace.
  uint64_t Scan(uint64_t cursor, const std::function<void(Entry*)>& fn) {
    return keys_->Scan(cursor, fn);
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    keys_->ForEach(fn);
  }
  // A random live key (skipping expired ones, bounded tries); nullptr when empty.
  Entry* RandomKey();
  // Eviction sampling: up to n keys (fn(Entry*)), or keys with a TTL (fn(ExpireEntry*)), near
  // a random spot of the table; returns how many were seen.
  template <typename Fn>
  size_t SampleKeys(size_t n, Fn&& fn) const {
    return keys_->Sample(rng, n, fn);
  }
  // A uniformly drawn bucket's key with a TTL (volatile-random); nullptr when none.
  ExpireEntry* RandomVolatile() { return expires_->Random(rng); }
  template <typename Fn>
  size_t SampleVolatile(size_t n, Fn&& fn) const {
    return expires_->Sample(rng, n, fn);
  }

  // Expires hash fields whose TTL passed (hashes due first), then samples volatile keys and
  // deletes expired ones, until the time budget runs out. Returns the number of keys removed.
  size_t ActiveExpire(int64_t deadline_us, int64_t now_ms);
  // Moves some buckets of tables being rehashed; called from cron.
  void RehashFor(int64_t budget_us);
  void ShrinkIfNeeded();

  // Keyspace hit/miss counters for INFO stats.
  static uint64_t hits, misses, expired_keys;
  static LazyFreer* lazy_freer;
  static uint64_t (*rng)();

 private:
  void DeleteExpired(Entry* e);
  // The hash field part of the active cycle; returns the fields removed.
  size_t ActiveExpireFields(int64_t deadline_us, int64_t now_ms);
  // Registers a hash entry that has field TTLs, or forgets one leaving the keyspace.
  void TrackHashTtls(const Entry* e);
  void UntrackHashTtls(const Entry* e);
  void FreeEntry(Entry* e, bool lazy);

  int index_;
  KeyspaceHooks* hooks_;
  uint64_t seed_;
  std::unique_ptr<KeyTable> keys_;
  std::unique_ptr<ExpireTable> expires_;
  std::unique_ptr<HashTtlIndex> hash_ttls_;  // hashes with field TTLs, for the active cycle
  uint64_t expire_cursor_ = 0;
  int64_t avg_ttl_ = 0;
};

}  // namespace sable
