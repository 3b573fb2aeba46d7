// Lists: written as Redis 7.0 writes them, RDB_TYPE_LIST_QUICKLIST_2 (a node count, then per
// node its container kind and a listpack of its elements), one listpack per node of ours. Read
// from every form Redis has written: the plain list, one ziplist, a quicklist of ziplists and
// the quicklist of listpacks or plain elements. Empty nodes are skipped, as Redis skips them; a
// list left with no element at all is refused.
#include <string>
#include <vector>

#include "server/config/config.h"
#include "server/persist/compact_blobs.h"
#include "server/persist/rdb_codec.h"
#include "server/store/list_object.h"

namespace sable {
namespace {

// Quicklist node containers as RDB_TYPE_LIST_QUICKLIST_2 records them.
constexpr uint64_t kContainerPlain = 1;
constexpr uint64_t kContainerPacked = 2;

ListLimits LoadLimits(const RdbLoadEnv& env) {
  ServerConfig defaults;
  const ServerConfig& c = env.config ? *env.config : defaults;
  return {c.list_max_listpack_size, c.list_compress_depth};
}

// Appends a decoded blob's elements; false after dec.Fail() when the blob is corrupt.
bool AppendBlob(ListObject* list, const std::string& blob, bool ziplist, RdbDecoder& dec) {
  std::vector<std::string> items;
  std::string err;
  bool ok = ziplist ? DecodeZiplist(blob, &items, &err) : DecodeListpack(blob, &items, &err);
  if (!ok) return dec.Fail("List payload is corrupt: " + err);
  for (const std::string& v : items) list->Push(v, false);
  return true;
}

class ListCodec : public RdbValueCodec {
 public:
  uint8_t SaveType(const Entry&) const override { return kRdbTypeListQuicklist2; }

  bool Save(const Entry& e, RdbEncoder& enc) const override {
    const auto* list = e.As<ListObject>();
    bool ok = enc.Length(list->node_count());
    list->ForEachNode([&](const std::vector<std::string_view>& items) {
      ok = ok && enc.Length(kContainerPacked) && enc.String(EncodeListpack(items));
    });
    return ok;
  }

  Entry* Load(std::string_view key, uint8_t rdb_type, RdbDecoder& dec,
              const RdbLoadEnv& env) const override {
    auto* list = new ListObject(LoadLimits(env));
    if (!LoadInto(list, rdb_type, dec)) {
      delete list;
      return nullptr;
    }
    if (list->size() == 0) {
      delete list;
      dec.Fail("Empty list");
      return nullptr;
    }
    return Entry::NewObject(key, ObjType::kList, list);
  }

 private:
  static bool LoadInto(ListObject* list, uint8_t rdb_type, RdbDecoder& dec) {
    std::string s;
    if (rdb_type == kRdbTypeListZiplist) {
      return dec.String(&s) && AppendBlob(list, s, true, dec);
    }
    uint64_t n;
    if (!dec.Length(&n)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      if (rdb_type == kRdbTypeList) {
        if (!dec.String(&s)) return false;
        list->Push(s, false);
        continue;
      }
      uint64_t container = kContainerPacked;
      if (rdb_type == kRdbTypeListQuicklist2) {
        if (!dec.Length(&container)) return false;
        if (container != kContainerPlain && container != kContainerPacked) {
          return dec.Fail("Unknown quicklist node container " + std::to_string(container));
        }
      }
      if (!dec.String(&s)) return false;
      if (container == kContainerPlain) {
        list->Push(s, false);
      } else if (!AppendBlob(list, s, rdb_type == kRdbTypeListQuicklist, dec)) {
        return false;
      }
    }
    return true;
  }
};

}  // namespace

const RdbValueCodec& ListRdbCodec() {
  static const ListCodec codec;
  return codec;
}

}  // namespace sable
