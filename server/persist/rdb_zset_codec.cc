// Sorted sets: written as Redis 7.0 writes them, a compact set as RDB_TYPE_ZSET_LISTPACK (a
// listpack of member, score pairs, scores as Redis's "%.17g" text) and a large one as
// RDB_TYPE_ZSET_2 (a count, then member and 8-byte double, highest score first as Redis walks
// its skiplist). Read from every form Redis has written: ZSET (textual doubles), ZSET_2, the
// ziplist and the listpack. A repeated member, a NaN score or an empty set is refused.
#include <cmath>
#include <string>
#include <vector>

#include "server/config/config.h"
#include "server/persist/compact_blobs.h"
#include "server/persist/rdb_codec.h"
#include "server/store/zset_object.h"
#include "server/util/numbers.h"

namespace sable {
namespace {

ZSetLimits LoadLimits(const RdbLoadEnv& env) {
  ServerConfig defaults;
  const ServerConfig& c = env.config ? *env.config : defaults;
  return {c.zset_max_listpack_entries, c.zset_max_listpack_value};
}

// Adds one loaded element; false after dec.Fail() when it repeats or is NaN.
bool AddLoaded(ZSetObject* z, const std::string& m, double s, const ZSetLimits& limits,
               RdbDecoder& dec) {
  if (std::isnan(s)) return dec.Fail("Zset with NAN score detected");
  if (!z->Set(m, s, limits)) return dec.Fail("Duplicate zset fields detected");
  return true;
}

class ZSetCodec : public RdbValueCodec {
 public:
  uint8_t SaveType(const Entry& e) const override {
    return e.As<ZSetObject>()->compact() ? kRdbTypeZsetListpack : kRdbTypeZset2;
  }

  bool Save(const Entry& e, RdbEncoder& enc) const override {
    const auto* z = e.As<ZSetObject>();
    if (z->compact()) {
      std::vector<std::string> scores;
      scores.reserve(z->size());
      char buf[kDoubleBufSize];
      z->ForEach([&](std::string_view, double s) { scores.emplace_back(buf, FormatDouble(s, buf)); });
      std::vector<std::string_view> items;
      items.reserve(z->size() * 2);
      size_t i = 0;
      z->ForEach([&](std::string_view m, double) {
        items.push_back(m);
        items.push_back(scores[i++]);
      });
      return enc.String(EncodeListpack(items));
    }
    bool ok = enc.Length(z->size());
    z->Walk(z->size() - 1, true, [&](std::string_view m, double s) {
      ok = ok && enc.String(m) && enc.BinaryDouble(s);
      return ok;
    });
    return ok;
  }

  Entry* Load(std::string_view key, uint8_t rdb_type, RdbDecoder& dec,
              const RdbLoadEnv& env) const override {
    ZSetLimits limits = LoadLimits(env);
    auto* z = new ZSetObject();
    bool ok = rdb_type == kRdbTypeZset || rdb_type == kRdbTypeZset2
                  ? LoadPairs(z, rdb_type == kRdbTypeZset2, dec, limits)
                  : LoadBlob(z, rdb_type == kRdbTypeZsetZiplist, dec, limits);
    if (ok && z->size() == 0) ok = dec.Fail("Empty zset");
    if (!ok) {
      delete z;
      return nullptr;
    }
    return Entry::NewObject(key, ObjType::kZSet, z);
  }

 private:
  static bool LoadPairs(ZSetObject* z, bool binary, RdbDecoder& dec, const ZSetLimits& limits) {
    uint64_t n;
    if (!dec.Length(&n)) return false;
    if (n > limits.max_entries) z->ConvertToBig();
    std::string m;
    for (uint64_t i = 0; i < n; ++i) {
      double s;
      if (!dec.String(&m)) return false;
      if (!(binary ? dec.BinaryDouble(&s) : dec.TextDouble(&s))) return false;
      if (m.size() > limits.max_value) z->ConvertToBig();
      if (!AddLoaded(z, m, s, limits, dec)) return false;
    }
    return true;
  }

  static bool LoadBlob(ZSetObject* z, bool ziplist, RdbDecoder& dec, const ZSetLimits& limits) {
    std::string blob, err;
    if (!dec.String(&blob)) return false;
    std::vector<std::string> items;
    bool ok = ziplist ? DecodeZiplist(blob, &items, &err) : DecodeListpack(blob, &items, &err);
    if (!ok) return dec.Fail("Zset payload is corrupt: " + err);
    if (items.size() % 2 != 0) return dec.Fail("Zset payload has an odd number of items");
    if (items.size() / 2 > limits.max_entries) z->ConvertToBig();
    for (size_t i = 0; i < items.size(); i += 2) {
      double s;
      if (!ParseDouble(items[i + 1], &s)) return dec.Fail("Zset payload holds an invalid score");
      if (!AddLoaded(z, items[i], s, limits, dec)) return false;
    }
    return true;
  }
};

}  // namespace

const RdbValueCodec& ZSetRdbCodec() {
  static const ZSetCodec codec;
  return codec;
}

}  // namespace sable
