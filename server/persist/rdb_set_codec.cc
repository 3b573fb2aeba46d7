// Sets: written as Redis 7.0 writes them, an intset as RDB_TYPE_SET_INTSET (Redis's intset blob:
// width and count as 32-bit little-endian, then the sorted values) and any other set as
// RDB_TYPE_SET (a count, then the members). Our files are RDB version 10, which has no set
// listpack type, so a listpack-encoded set goes as the plain type too. Read: the plain type,
// the intset and Redis 7.2's listpack (type 20), each checked before it is trusted: duplicate
// members, an unsorted intset, bad widths or lengths and empty sets are refused. The encoding a
// loaded set gets follows Redis 7.2's rdbLoadObject.
#include <algorithm>
#include <string>
#include <vector>

#include "server/config/config.h"
#include "server/persist/compact_blobs.h"
#include "server/persist/rdb_codec.h"
#include "server/store/set_object.h"

namespace sable {
namespace {

// Redis's lpSafeToAdd() bound for a listpack; intsets are kept under it too.
constexpr size_t kMaxListpackBytes = size_t{1} << 30;

SetLimits LoadLimits(const RdbLoadEnv& env) {
  ServerConfig defaults;
  const ServerConfig& c = env.config ? *env.config : defaults;
  return {c.set_max_intset_entries, c.set_max_listpack_entries, c.set_max_listpack_value};
}

uint64_t IntsetLimit(const SetLimits& limits) {
  return std::min<uint64_t>(limits.max_intset_entries, uint64_t{1} << 30);
}

void PutLe32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetLe32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(s[at + i])) << (8 * i);
  }
  return v;
}

// Drops a half-built set after recording why the payload is refused.
SetObject* Refuse(SetObject* s, RdbDecoder& dec, std::string why) {
  delete s;
  dec.Fail(std::move(why));
  return nullptr;
}

class SetCodec : public RdbValueCodec {
 public:
  uint8_t SaveType(const Entry& e) const override {
    const auto* s = e.As<SetObject>();
    return s->kind() == SetObject::Kind::kIntset ? kRdbTypeSetIntset : kRdbTypeSet;
  }

  bool Save(const Entry& e, RdbEncoder& enc) const override {
    const auto* s = e.As<SetObject>();
    if (s->kind() == SetObject::Kind::kIntset) {
      std::string blob;
      std::string_view data = s->intset_data();
      blob.reserve(8 + data.size());
      PutLe32(&blob, s->intset_width());
      PutLe32(&blob, static_cast<uint32_t>(s->size()));
      blob.append(data);
      return enc.String(blob);
    }
    bool ok = enc.Length(s->size());
    s->ForEach([&](std::string_view m) { ok = ok && enc.String(m); });
    return ok;
  }

  Entry* Load(std::string_view key, uint8_t rdb_type, RdbDecoder& dec,
              const RdbLoadEnv& env) const override {
    SetLimits limits = LoadLimits(env);
    SetObject* s = nullptr;
    if (rdb_type == kRdbTypeSet) {
      s = LoadPlain(dec, limits);
    } else if (rdb_type == kRdbTypeSetIntset) {
      s = LoadIntset(dec, limits);
    } else if (rdb_type == kRdbTypeSetListpack) {
      s = LoadListpack(dec, limits);
    } else {
      dec.Fail("Unknown set encoding " + std::to_string(rdb_type));
    }
    if (s == nullptr) return nullptr;
    return Entry::NewObject(key, ObjType::kSet, s);
  }

 private:
  // RDB_TYPE_SET: an intset while the members are integers and the count allows it; the first
  // string makes it a listpack when everything so far fits one, else the table.
  static SetObject* LoadPlain(RdbDecoder& dec, const SetLimits& limits) {
    uint64_t n;
    if (!dec.Length(&n)) return nullptr;
    if (n == 0) {
      dec.Fail("Empty set");
      return nullptr;
    }
    auto* s = new SetObject(n > IntsetLimit(limits) ? SetObject::Kind::kTable
                                                    : SetObject::Kind::kIntset);
    size_t longest = 0, total = 0;
    std::string m;
    for (uint64_t i = 0; i < n; ++i) {
      if (!dec.String(&m)) {
        delete s;
        return nullptr;
      }
      longest = std::max(longest, m.size());
      total += m.size();
      int64_t v;
      if (s->kind() == SetObject::Kind::kIntset && !SetObject::IsIntMember(m, &v)) {
        if (s->size() < limits.max_listpack_entries && longest <= limits.max_listpack_value &&
            total < kMaxListpackBytes) {
          s->ConvertToListpack();
        } else {
          s->ConvertToTable();
        }
      }
      if (s->kind() == SetObject::Kind::kListpack &&
          !(s->size() < limits.max_listpack_entries && m.size() <= limits.max_listpack_value &&
            total < kMaxListpackBytes)) {
        s->ConvertToTable();
      }
      if (!s->Insert(m)) return Refuse(s, dec, "Duplicate set members detected");
      if (s->kind() == SetObject::Kind::kIntset && s->intset_data().size() > kMaxListpackBytes) {
        s->ConvertToTable();
      }
    }
    return s;
  }

  // RDB_TYPE_SET_INTSET: the blob kept as it is (its width too), once checked.
  static SetObject* LoadIntset(RdbDecoder& dec, const SetLimits& limits) {
    std::string blob;
    if (!dec.String(&blob)) return nullptr;
    std::vector<std::string> values;
    std::string err;
    if (!DecodeIntset(blob, &values, &err)) {
      dec.Fail("Intset integrity check failed: " + err);
      return nullptr;
    }
    if (values.empty()) {
      dec.Fail("Empty set");
      return nullptr;
    }
    if (values.size() > IntsetLimit(limits) || blob.size() > kMaxListpackBytes) {
      auto* s = new SetObject(SetObject::Kind::kTable);
      for (const std::string& v : values) s->Insert(v);
      return s;
    }
    return SetObject::FromIntset(GetLe32(blob, 0), std::string_view(blob).substr(8));
  }

  // RDB_TYPE_SET_LISTPACK (Redis 7.2): a listpack of distinct members.
  static SetObject* LoadListpack(RdbDecoder& dec, const SetLimits& limits) {
    std::string blob;
    if (!dec.String(&blob)) return nullptr;
    std::vector<std::string> members;
    std::string err;
    if (!DecodeListpack(blob, &members, &err)) {
      dec.Fail("Set listpack integrity check failed: " + err);
      return nullptr;
    }
    if (members.empty()) {
      dec.Fail("Empty set");
      return nullptr;
    }
    auto* s = new SetObject(members.size() > limits.max_listpack_entries
                                ? SetObject::Kind::kTable
                                : SetObject::Kind::kListpack);
    for (const std::string& m : members) {
      if (!s->Insert(m)) return Refuse(s, dec, "Set listpack has duplicate members");
    }
    return s;
  }
};

}  // namespace

const RdbValueCodec& SetRdbCodec() {
  static const SetCodec codec;
  return codec;
}

}  // namespace sable
