#include "server/store/db.h"

#include <cstdlib>
#include <new>
#include <random>
#include <string>

#include "server/store/access_stamp.h"
#include "server/store/hash_object.h"
#include "server/util/clock.h"

namespace sable {

uint64_t Db::hits = 0;
uint64_t Db::misses = 0;
uint64_t Db::expired_keys = 0;
LazyFreer* Db::lazy_freer = nullptr;

namespace {
// Fields one visit of the active cycle removes from a hash before moving on, so that one huge
// hash due at once cannot starve the others.
constexpr size_t kFieldsPerVisit = 256;

const HashObject* HashWithTtls(const Entry* e) {
  if (e->type() != ObjType::kHash) return nullptr;
  const auto* h = e->As<HashObject>();
  return h->has_field_ttls() ? h : nullptr;
}

uint64_t DefaultRng() {
  static std::mt19937_64 gen(0x5ab1e);
  return gen();
}
}  // namespace

uint64_t (*Db::rng)() = DefaultRng;

ExpireEntry* ExpireEntry::New(std::string_view key, int64_t when) {
  void* mem = std::malloc(sizeof(ExpireEntry) + key.size());
  if (mem == nullptr) throw std::bad_alloc();
  auto* e = static_cast<ExpireEntry*>(mem);
  e->when = when;
  e->next = nullptr;
  e->key_len_ = static_cast<uint32_t>(key.size());
  std::memcpy(e->key_, key.data(), key.size());
  return e;
}

Db::Db(int index, KeyspaceHooks* hooks, uint64_t seed)
    : index_(index),
      hooks_(hooks),
      seed_(seed),
      keys_(std::make_unique<KeyTable>(seed)),
      expires_(std::make_unique<ExpireTable>(seed)),
      hash_ttls_(std::make_unique<HashTtlIndex>(seed)) {}

Db::~Db() {
  keys_->Clear([](Entry* e) { Entry::Free(e); });
  expires_->Clear([](ExpireEntry* e) { ExpireEntry::Free(e); });
}

bool Db::Expired(const Entry* e) {
  if (!e->has_expire() || hooks_->ExpiryPaused()) return false;
  ExpireEntry* x = expires_->Find(e->key());
  return x != nullptr && x->when < CachedMs();
}

Entry* Db::Find(std::string_view key, bool touch) {
  uint64_t h = keys_->Hash(key);
  Entry* e = keys_->Find(key, h);
  if (e == nullptr) return nullptr;
  if (e->has_expire() && Expired(e)) {
    // A replica reports the key missing but leaves deletion to its primary.
    if (hooks_->ExpireAllowed()) DeleteExpired(e);
    return nullptr;
  }
  if (touch) e->set_lru(access::Touch(e->lru()));
  return e;
}

void Db::DeleteExpired(Entry* e) {
  std::string key(e->key());
  ++expired_keys;
  Delete(key, false);
  hooks_->KeyExpired(*this, key);
}

void Db::TrackHashTtls(const Entry* e) {
  if (const HashObject* h = HashWithTtls(e)) hash_ttls_->Lower(e->key(), h->MinExpire());
}

void Db::UntrackHashTtls(const Entry* e) {
  if (hash_ttls_->size() != 0 && e->type() == ObjType::kHash) hash_ttls_->Remove(e->key());
}

bool Db::HasFieldTtls() const {
  bool found = false;
  hash_ttls_->ForEach([&](std::string_view key) {
    if (found) return;
    Entry* e = keys_->Find(key);
    found = e != nullptr && HashWithTtls(e) != nullptr;
  });
  return found;
}

void Db::Add(Entry* e) {
  keys_->Insert(e);
  TrackHashTtls(e);
  hooks_->KeyAdded(*this, e->key());
  hooks_->KeyModified(*this, e->key());
}

void Db::Replace(Entry* old, Entry* fresh) {
  fresh->set_has_expire(old->has_expire());
  keys_->Replace(old, fresh);
  UntrackHashTtls(old);
  TrackHashTtls(fresh);
  hooks_->KeyModified(*this, fresh->key());
  FreeEntry(old, false);
}

void Db::Upsert(Entry* e, bool keep_ttl) {
  Entry* old = keys_->Find(e->key());
  if (old == nullptr) {
    Add(e);
    return;
  }
  bool had_ttl = old->has_expire();
  Replace(old, e);
  if (had_ttl && !keep_ttl) RemoveExpire(e);
}

bool Db::Delete(std::string_view key, bool lazy) {
  Entry* e = keys_->Unlink(key);
  if (e == nullptr) return false;
  UntrackHashTtls(e);
  if (e->has_expire()) {
    ExpireEntry* x = expires_->Unlink(key);
    if (x) ExpireEntry::Free(x);
  }
  hooks_->KeyRemoved(*this, key);
  hooks_->KeyModified(*this, key);
  FreeEntry(e, lazy);
  return true;
}

Entry* Db::Detach(std::string_view key, int64_t* when) {
  Entry* e = keys_->Unlink(key);
  if (e == nullptr) return nullptr;
  UntrackHashTtls(e);
  *when = -1;
  if (e->has_expire()) {
    ExpireEntry* x = expires_->Unlink(key);
    if (x) {
      *when = x->when;
      ExpireEntry::Free(x);
    }
    e->set_has_expire(false);
  }
  hooks_->KeyRemoved(*this, key);
  hooks_->KeyModified(*this, key);
  return e;
}

void Db::FreeEntry(Entry* e, bool lazy) {
  if (lazy && lazy_freer && e->HeavyToFree()) {
    lazy_freer->FreeEntry(e);
  } else {
    Entry::Free(e);
  }
}

int64_t Db::GetExpire(const Entry* e) {
  if (!e->has_expire()) return -1;
  ExpireEntry* x = expires_->Find(e->key());
  return x ? x->when : -1;
}

void Db::SetExpire(Entry* e, int64_t when_ms) {
  if (e->has_expire()) {
    ExpireEntry* x = expires_->Find(e->key());
    if (x) {
      x->when = when_ms;
      hooks_->KeyModified(*this, e->key());
      return;
    }
  }
  expires_->Insert(ExpireEntry::New(e->key(), when_ms));
  e->set_has_expire(true);
  hooks_->KeyModified(*this, e->key());
}

bool Db::RemoveExpire(Entry* e) {
  if (!e->has_expire()) return false;
  e->set_has_expire(false);
  ExpireEntry* x = expires_->Unlink(e->key());
  if (x == nullptr) return false;
  ExpireEntry::Free(x);
  hooks_->KeyModified(*this, e->key());
  return true;
}

size_t Db::Flush(bool lazy) {
  size_t n = keys_->size();
  if (lazy && lazy_freer && n > 0) {
    lazy_freer->FreeTables(std::move(keys_), std::move(expires_));
    keys_ = std::make_unique<KeyTable>(seed_);
    expires_ = std::make_unique<ExpireTable>(seed_);
  } else {
    keys_->Clear([](Entry* e) { Entry::Free(e); });
    expires_->Clear([](ExpireEntry* e) { ExpireEntry::Free(e); });
  }
  hash_ttls_->Clear();
  avg_ttl_ = 0;
  hooks_->DbFlushed(*this);
  return n;
}

void Db::SwapWith(Db& other) {
  std::swap(keys_, other.keys_);
  std::swap(expires_, other.expires_);
  std::swap(hash_ttls_, other.hash_ttls_);
  std::swap(avg_ttl_, other.avg_ttl_);
  std::swap(expire_cursor_, other.expire_cursor_);
  hooks_->DbFlushed(*this);
  hooks_->DbFlushed(other);
}

Entry* Db::RandomKey() {
  for (int tries = 0; tries < 100; ++tries) {
    Entry* e = keys_->Random(rng);
    if (e == nullptr) return nullptr;
    if (!Expired(e)) return e;
    if (hooks_->ExpireAllowed()) {
      DeleteExpired(e);
    } else if (tries > 10 && keys_->size() == expires_->size()) {
      // All keys are volatile and logically expired on a replica: Redis returns one anyway.
      return e;
    }
  }
  return nullptr;
}

size_t Db::ActiveExpireFields(int64_t deadline_us, int64_t now_ms) {
  size_t removed = 0;
  std::vector<std::string> fields;
  for (int visits = 0;; ++visits) {
    std::string_view due;
    int64_t when;
    if (!hash_ttls_->Earliest(&due, &when) || when > now_ms) break;
    if ((visits & 15) == 15 && MonoUs() > deadline_us) break;
    std::string key(due);
    Entry* e = keys_->Find(key);
    if (e == nullptr || e->type() != ObjType::kHash) {
      hash_ttls_->Remove(key);
      continue;
    }
    if (e->has_expire() && Expired(e)) {
      // The whole key is due: it goes as a key, not field by field.
      DeleteExpired(e);
      continue;
    }
    auto* h = e->As<HashObject>();
    fields.clear();
    h->ExpireFields(now_ms, kFieldsPerVisit, [&](std::string_view f) { fields.emplace_back(f); });
    removed += fields.size();
    bool gone = h->size() == 0;
    if (gone) {
      Delete(key, false);
    } else {
      int64_t next = h->MinExpire();
      if (next == kNoFieldTtl) {
        hash_ttls_->Remove(key);
      } else {
        hash_ttls_->Set(key, next);
      }
      if (!fields.empty()) hooks_->KeyModified(*this, key);
    }
    if (!fields.empty()) hooks_->FieldsExpired(*this, key, fields, gone);
  }
  return removed;
}

size_t Db::ActiveExpire(int64_t deadline_us, int64_t now_ms) {
  if (!hooks_->ExpireAllowed() || hooks_->ExpiryPaused()) return 0;
  if (hash_ttls_->size() != 0) ActiveExpireFields(deadline_us, now_ms);
  if (expires_->size() == 0) return 0;
  size_t removed = 0;
  int64_t ttl_sum = 0;
  size_t ttl_samples = 0;
  std::vector<std::string> doomed;
  // Walk the expires table with a persistent cursor, like Redis's activeExpireCycle, in rounds
  // of ~20 samples; stop when a round finds few expired keys or the budget runs out.
  for (int round = 0;; ++round) {
    size_t sampled = 0;
    doomed.clear();
    do {
      expire_cursor_ = expires_->Scan(expire_cursor_, [&](ExpireEntry* x) {
        ++sampled;
        if (x->when < now_ms) {
          doomed.emplace_back(x->key());
        } else {
          ttl_sum += x->when - now_ms;
          ++ttl_samples;
        }
      });
    } while (sampled < 20 && expire_cursor_ != 0);
    for (const std::string& key : doomed) {
      Entry* e = keys_->Find(key);
      if (e) DeleteExpired(e);
    }
    removed += doomed.size();
    if (expire_cursor_ == 0 || sampled == 0 || doomed.size() * 10 < sampled) break;
    if ((round & 15) == 15 && MonoUs() > deadline_us) break;
  }
  if (ttl_samples) {
    int64_t avg = ttl_sum / static_cast<int64_t>(ttl_samples);
    avg_ttl_ = avg_ttl_ ? (avg_ttl_ / 50) * 49 + avg / 50 : avg;
  }
  return removed;
}

void Db::RehashFor(int64_t budget_us) {
  int64_t end = MonoUs() + budget_us;
  while (keys_->RehashSteps(100) || expires_->RehashSteps(100) || hash_ttls_->RehashSteps(100)) {
    if (MonoUs() > end) break;
  }
}

void Db::ShrinkIfNeeded() {
  keys_->ShrinkIfNeeded();
  expires_->ShrinkIfNeeded();
  hash_ttls_->ShrinkIfNeeded();
}

}  // namespace sable
