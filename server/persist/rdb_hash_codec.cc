// Hashes: written as RDB_TYPE_HASH (a count, then field and value strings), which every Redis
// reads; read from every form Redis has written: the plain type, zipmap, ziplist and listpack.
#include <string>
#include <unordered_set>
#include <vector>

#include "server/config/config.h"
#include "server/persist/compact_blobs.h"
#include "server/persist/rdb_codec.h"
#include "server/store/hash_object.h"

namespace sable {
namespace {

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

// Builds the hash from decoded field/value pairs; nullptr after dec.Fail() when a field repeats
// (a payload that lies about its contents must not load as something else).
HashObject* BuildHash(const std::vector<std::string>& items, const CompactLimits& limits,
                      RdbDecoder& dec) {
  if (items.empty() || items.size() % 2 != 0) {
    dec.Fail("Hash payload has an odd or zero number of items");
    return nullptr;
  }
  auto* h = new HashObject();
  if (items.size() / 2 > limits.max_entries) h->ConvertToTable();
  for (size_t i = 0; i < items.size(); i += 2) {
    if (!h->Set(items[i], items[i + 1], limits)) {
      delete h;
      dec.Fail("Duplicate hash fields detected");
      return nullptr;
    }
  }
  return h;
}

class HashCodec : public RdbValueCodec {
 public:
  uint8_t SaveType(const Entry& e) const override { return kRdbTypeHash; }

  bool Save(const Entry& e, RdbEncoder& enc) const override {
    const auto* h = e.As<HashObject>();
    bool ok = enc.Length(h->size());
    h->ForEach([&](std::string_view f, std::string_view v) {
      ok = ok && enc.String(f) && enc.String(v);
    });
    return ok;
  }

  Entry* Load(std::string_view key, uint8_t rdb_type, RdbDecoder& dec,
              const RdbLoadEnv& env) const override {
    CompactLimits limits = LoadLimits(env);
    HashObject* h = nullptr;
    if (rdb_type == kRdbTypeHash) {
      uint64_t n;
      if (!dec.Length(&n)) return nullptr;
      if (n == 0) {
        dec.Fail("Empty hash");
        return nullptr;
      }
      h = new HashObject();
      if (n > limits.max_entries) h->ConvertToTable();
      std::string f, v;
      for (uint64_t i = 0; i < n; ++i) {
        if (!dec.String(&f) || !dec.String(&v)) {
          delete h;
          return nullptr;
        }
        if (!h->Set(f, v, limits)) {
          delete h;
          dec.Fail("Duplicate hash fields detected");
          return nullptr;
        }
      }
    } else {
      std::string blob, err;
      if (!dec.String(&blob)) return nullptr;
      std::vector<std::string> items;
      bool ok = false;
      if (rdb_type == kRdbTypeHashListpack) {
        ok = DecodeListpack(blob, &items, &err);
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
      h = BuildHash(items, limits, dec);
      if (h == nullptr) return nullptr;
    }
    return Entry::NewObject(key, ObjType::kHash, h);
  }
};

}  // namespace

const RdbValueCodec& HashRdbCodec() {
  static const HashCodec codec;
  return codec;
}

}  // namespace sable
