// Hashes: written as RDB_TYPE_HASH (a count, then field and value strings), which every Redis
// reads; read from every form Redis has written: the plain type, zipmap, ziplist and listpack.
// A hash with field TTLs is written as Redis 7.4 does, and only then: RDB_TYPE_HASH_LISTPACK_EX
// (the earliest TTL, then a listpack of field, value, ttl triplets, 0 for none, ordered by TTL)
// for a compact one, RDB_TYPE_HASH_METADATA (the earliest TTL, a count, then per field its TTL
// as an offset from the earliest plus one, 0 for none, field and value) for a table. Both and
// their 7.4 release-candidate forms (22: absolute TTLs, no earliest; 23: the bare listpack) load.
#include <string>
#include <unordered_set>
#include <vector>

#include "server/config/config.h"
#include "server/persist/compact_blobs.h"
#include "server/persist/rdb_codec.h"
#include "server/store/hash_object.h"
#include "server/util/numbers.h"

namespace sable {
namespace {

// Redis's EB_EXPIRE_TIME_MAX: field times are 48-bit.
constexpr int64_t kMaxFieldTime = (int64_t{1} << 48) - 1;

CompactLimits LoadLimits(const RdbLoadEnv& env) {
  CompactLimits limits;
  if (env.config) {
    limits.max_entries = env.config->hash_max_listpack_entries;
    limits.max_value = env.config->hash_max_listpack_value;
  } else {
    ServerConfig defaults;
    limits.max_entries = defaults.hash_max_listpack_entries;
    limits.max_value = defaults.hash_max_listpack_value;
  }
  return limits;
}

// Adds one loaded field; false after dec.Fail() when it repeats. A field whose TTL passed the
// env's cutoff is left out.
bool AddLoaded(HashObject* h, const std::string& f, const std::string& v, int64_t when,
               const CompactLimits& limits, const RdbLoadEnv& env, RdbDecoder& dec) {
  if (when != kNoFieldTtl && env.drop_parts_expired_at >= 0 && when <= env.drop_parts_expired_at) {
    return true;
  }
  if (!h->Set(f, v, limits)) return dec.Fail("Duplicate hash fields detected");
  if (when != kNoFieldTtl) h->SetExpire(f, when);
  return true;
}

// The entry, or nullptr: an error was recorded, or (none recorded) every field had expired.
Entry* Finish(std::string_view key, HashObject* h) {
  if (h->size() == 0) {
    delete h;
    return nullptr;
  }
  return Entry::NewObject(key, ObjType::kHash, h);
}

// Builds the hash from decoded items (pairs, or triplets with a TTL third); nullptr after
// dec.Fail() when the payload lies about its contents.
Entry* BuildHash(std::string_view key, const std::vector<std::string>& items, bool triplets,
                 const CompactLimits& limits, const RdbLoadEnv& env, RdbDecoder& dec) {
  size_t stride = triplets ? 3 : 2;
  if (items.empty() || items.size() % stride != 0) {
    dec.Fail(triplets ? "Hash listpackex payload has a partial or no triplet"
                      : "Hash payload has an odd or zero number of items");
    return nullptr;
  }
  auto* h = new HashObject();
  if (items.size() / stride > limits.max_entries) h->ConvertToTable();
  for (size_t i = 0; i < items.size(); i += stride) {
    int64_t when = kNoFieldTtl;
    if (triplets) {
      int64_t t;
      if (!ParseInt64(items[i + 2], &t) || t < 0 || t > kMaxFieldTime) {
        delete h;
        dec.Fail("Hash listpackex holds an invalid TTL");
        return nullptr;
      }
      if (t != 0) when = t;
    }
    if (!AddLoaded(h, items[i], items[i + 1], when, limits, env, dec)) {
      delete h;
      return nullptr;
    }
  }
  return Finish(key, h);
}

class HashCodec : public RdbValueCodec {
 public:
  uint8_t SaveType(const Entry& e) const override {
    const auto* h = e.As<HashObject>();
    if (!h->has_field_ttls()) return kRdbTypeHash;
    return h->compact() ? kRdbTypeHashListpackEx : kRdbTypeHashMetadata;
  }

  bool Save(const Entry& e, RdbEncoder& enc) const override {
    const auto* h = e.As<HashObject>();
    int64_t min = h->MinExpire();
    if (min == kNoFieldTtl) {
      bool ok = enc.Length(h->size());
      h->ForEach([&](std::string_view f, std::string_view v) {
        ok = ok && enc.String(f) && enc.String(v);
      });
      return ok;
    }
    if (!enc.MillisecondTime(min)) return false;
    if (h->compact()) {
      // Storage order is already Redis's: by TTL, the fields without one last.
      std::vector<std::string> ttls;
      ttls.reserve(h->size());
      h->ForEachWithTtl([&](std::string_view, std::string_view, int64_t when) {
        ttls.push_back(std::to_string(when == kNoFieldTtl ? 0 : when));
      });
      std::vector<std::string_view> items;
      items.reserve(h->size() * 3);
      size_t i = 0;
      h->ForEach([&](std::string_view f, std::string_view v) {
        items.push_back(f);
        items.push_back(v);
        items.push_back(ttls[i++]);
      });
      return enc.String(EncodeListpack(items));
    }
    bool ok = enc.Length(h->size());
    h->ForEachWithTtl([&](std::string_view f, std::string_view v, int64_t when) {
      uint64_t rel = when == kNoFieldTtl ? 0 : static_cast<uint64_t>(when - min) + 1;
      ok = ok && enc.Length(rel) && enc.String(f) && enc.String(v);
    });
    return ok;
  }

  Entry* Load(std::string_view key, uint8_t rdb_type, RdbDecoder& dec,
              const RdbLoadEnv& env) const override {
    CompactLimits limits = LoadLimits(env);
    switch (rdb_type) {
      case kRdbTypeHash:
        return LoadPlain(key, dec, limits, env);
      case kRdbTypeHashMetadata:
      case kRdbTypeHashMetadataPreGa:
        return LoadMetadata(key, rdb_type == kRdbTypeHashMetadata, dec, limits, env);
      default:
        break;
    }
    if (rdb_type == kRdbTypeHashListpackEx) {
      int64_t min;  // informational: the triplets are authoritative
      if (!dec.MillisecondTime(&min)) return nullptr;
    }
    std::string blob, err;
    if (!dec.String(&blob)) return nullptr;
    std::vector<std::string> items;
    bool ok = false;
    bool triplets = false;
    if (rdb_type == kRdbTypeHashListpack) {
      ok = DecodeListpack(blob, &items, &err);
    } else if (rdb_type == kRdbTypeHashListpackEx || rdb_type == kRdbTypeHashListpackExPreGa) {
      ok = DecodeListpack(blob, &items, &err);
      triplets = true;
    } else if (rdb_type == kRdbTypeHashZiplist) {
      ok = DecodeZiplist(blob, &items, &err);
    } else if (rdb_type == kRdbTypeHashZipmap) {
      ok = DecodeZipmap(blob, &items, &err);
    } else {
      err = "unsupported hash encoding";
    }
    if (!ok) {
      dec.Fail("Hash payload is corrupt: " + err);
      return nullptr;
    }
    return BuildHash(key, items, triplets, limits, env, dec);
  }

 private:
  static Entry* LoadPlain(std::string_view key, RdbDecoder& dec, const CompactLimits& limits,
                          const RdbLoadEnv& env) {
    uint64_t n;
    if (!dec.Length(&n)) return nullptr;
    if (n == 0) {
      dec.Fail("Empty hash");
      return nullptr;
    }
    auto* h = new HashObject();
    if (n > limits.max_entries) h->ConvertToTable();
    std::string f, v;
    for (uint64_t i = 0; i < n; ++i) {
      if (!dec.String(&f) || !dec.String(&v) ||
          !AddLoaded(h, f, v, kNoFieldTtl, limits, env, dec)) {
        delete h;
        return nullptr;
      }
    }
    return Finish(key, h);
  }

  // Types 24 (relative TTLs after the earliest) and 22 (absolute TTLs).
  static Entry* LoadMetadata(std::string_view key, bool ga, RdbDecoder& dec,
                             const CompactLimits& limits, const RdbLoadEnv& env) {
    int64_t min = 0;
    if (ga) {
      if (!dec.MillisecondTime(&min)) return nullptr;
      if (min < 0 || min > kMaxFieldTime + 1) {
        dec.Fail("Hash read invalid minExpire value");
        return nullptr;
      }
    }
    uint64_t n;
    if (!dec.Length(&n)) return nullptr;
    if (n == 0) {
      dec.Fail("Empty hash");
      return nullptr;
    }
    auto* h = new HashObject();
    if (n > limits.max_entries) h->ConvertToTable();
    std::string f, v;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t ttl;
      if (!dec.Length(&ttl)) {
        delete h;
        return nullptr;
      }
      int64_t when = kNoFieldTtl;
      if (ttl != 0) {
        uint64_t abs = ga ? ttl + static_cast<uint64_t>(min) - 1 : ttl;
        if (ttl > static_cast<uint64_t>(kMaxFieldTime) + 1 ||
            abs > static_cast<uint64_t>(kMaxFieldTime)) {
          delete h;
          dec.Fail("invalid expireAt time: " + std::to_string(abs));
          return nullptr;
        }
        when = static_cast<int64_t>(abs);
      }
      if (!dec.String(&f) || !dec.String(&v) || !AddLoaded(h, f, v, when, limits, env, dec)) {
        delete h;
        return nullptr;
      }
    }
    return Finish(key, h);
  }
};

}  // namespace

const RdbValueCodec& HashRdbCodec() {
  static const HashCodec codec;
  return codec;
}

}  // namespace sable
