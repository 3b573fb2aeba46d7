// Streams: written as Redis 7.0 writes them, RDB_TYPE_STREAM_LISTPACKS_2 (19): the nodes (a
// 16-byte big-endian master ID and a listpack each: live count, deleted count, the master
// fields, then every entry as flags, ms and seq deltas from the master ID, its fields or only
// its values, and its element count), then length, last ID, first ID, max deleted ID and entries
// added, then the groups with their PELs and consumers. Read from 15, 19 and 21 (Redis 7.2's,
// which adds each consumer's active time). Everything in a payload is checked before it is
// believed: counts, deltas, ID order, element counts, and that every pending entry has one owner.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "server/config/config.h"
#include "server/persist/compact_blobs.h"
#include "server/persist/rdb_codec.h"
#include "server/store/stream_object.h"
#include "server/util/numbers.h"

namespace sable {
namespace {

bool SaveId(RdbEncoder& enc, StreamId id) { return enc.Length(id.ms) && enc.Length(id.seq); }

bool SaveRawId(RdbEncoder& enc, StreamId id) {
  char buf[16];
  id.EncodeBig(buf);
  return enc.Raw(buf, 16);
}

// One node's listpack, as Redis's streamAppendItem lays it out.
std::string NodeListpack(StreamId master, const StreamFields& mf, uint32_t live, uint32_t deleted,
                         const std::vector<StreamObject::RawEntry>& items) {
  std::vector<std::string> nums;  // owns the integers the listpack entries point at
  nums.reserve(4 + items.size() * 5);
  std::vector<std::string_view> lp;
  auto num = [&](int64_t v) {
    nums.push_back(std::to_string(v));
    lp.push_back(nums.back());
  };
  num(live);
  num(deleted);
  num(static_cast<int64_t>(mf.size()));
  for (std::string_view f : mf) lp.push_back(f);
  num(0);
  for (const StreamObject::RawEntry& e : items) {
    int64_t nf = static_cast<int64_t>(e.fv.size() / 2);
    num((e.deleted ? 1 : 0) | (e.same_fields ? 2 : 0));
    num(static_cast<int64_t>(e.id.ms - master.ms));
    num(static_cast<int64_t>(e.id.seq - master.seq));
    if (e.same_fields) {
      for (size_t i = 1; i < e.fv.size(); i += 2) lp.push_back(e.fv[i]);
      num(nf + 3);
    } else {
      num(nf);
      for (std::string_view s : e.fv) lp.push_back(s);
      num(2 * nf + 4);
    }
  }
  return EncodeListpack(lp);
}

// Reads one node into s; false after dec.Fail().
bool LoadNode(StreamObject* s, StreamId master, const std::vector<std::string>& items,
              StreamId* prev, bool* any, const StreamLimits& limits, RdbDecoder& dec) {
  size_t pos = 0;
  auto next_int = [&](int64_t* v) {
    return pos < items.size() && ParseInt64(items[pos++], v);
  };
  auto corrupt = [&dec]() { return dec.Fail("Stream node is corrupt"); };
  int64_t live, deleted, nf, zero;
  if (!next_int(&live) || !next_int(&deleted) || !next_int(&nf) || live < 0 || deleted < 0 ||
      nf < 0 || static_cast<size_t>(nf) > items.size() - pos) {
    return corrupt();
  }
  std::vector<std::string_view> master_fields(items.begin() + static_cast<ptrdiff_t>(pos),
                                              items.begin() + static_cast<ptrdiff_t>(pos + nf));
  pos += static_cast<size_t>(nf);
  if (!next_int(&zero) || zero != 0) return corrupt();
  int64_t seen_live = 0, seen_deleted = 0;
  StreamFields fv;
  while (pos < items.size()) {
    int64_t flags, msd, seqd, lp_count;
    if (!next_int(&flags) || !next_int(&msd) || !next_int(&seqd) || (flags & ~3) != 0) {
      return corrupt();
    }
    StreamId id{master.ms + static_cast<uint64_t>(msd), master.seq + static_cast<uint64_t>(seqd)};
    fv.clear();
    int64_t expect;
    if (flags & 2) {
      if (static_cast<size_t>(nf) > items.size() - pos) return corrupt();
      for (int64_t i = 0; i < nf; ++i) {
        fv.push_back(master_fields[static_cast<size_t>(i)]);
        fv.push_back(items[pos++]);
      }
      expect = nf + 3;
    } else {
      int64_t n;
      if (!next_int(&n) || n < 0 || static_cast<uint64_t>(n) > (items.size() - pos) / 2) {
        return corrupt();
      }
      for (int64_t i = 0; i < 2 * n; ++i) fv.push_back(items[pos++]);
      expect = 2 * n + 4;
    }
    if (!next_int(&lp_count) || lp_count != expect) return corrupt();
    if (*any && id <= *prev) return dec.Fail("Stream entries are out of order");
    *prev = id;
    *any = true;
    if (flags & 1) {
      ++seen_deleted;
    } else {
      if (fv.empty()) return corrupt();
      s->Append(id, fv, limits);
      ++seen_live;
    }
  }
  if (seen_live != live || seen_deleted != deleted || seen_live + seen_deleted == 0) {
    return dec.Fail("Stream node counts do not match its entries");
  }
  return true;
}

bool LoadId(RdbDecoder& dec, StreamId* id) { return dec.Length(&id->ms) && dec.Length(&id->seq); }

bool LoadRawId(RdbDecoder& dec, StreamId* id) {
  char buf[16];
  if (!dec.Raw(buf, 16)) return false;
  *id = StreamId::DecodeBig(buf);
  return true;
}

bool LoadGroups(StreamObject* s, uint8_t rdb_type, RdbDecoder& dec) {
  uint64_t ngroups;
  if (!dec.Length(&ngroups)) return false;
  std::string name;
  for (uint64_t i = 0; i < ngroups; ++i) {
    StreamId last;
    if (!dec.String(&name) || !LoadId(dec, &last)) return false;
    int64_t entries_read = StreamGroup::kInvalidEntriesRead;
    if (rdb_type >= kRdbTypeStreamListpacks2) {
      uint64_t v;
      if (!dec.Length(&v)) return false;
      entries_read = static_cast<int64_t>(v);
      if (entries_read < StreamGroup::kInvalidEntriesRead) return dec.Fail("Bad entries_read");
    } else {
      entries_read = s->EstimateEntriesRead(last);
    }
    StreamGroup* g = s->CreateGroup(name, last, entries_read);
    if (g == nullptr) return dec.Fail("Duplicated consumer group name");
    uint64_t npel;
    if (!dec.Length(&npel)) return false;
    for (uint64_t j = 0; j < npel; ++j) {
      StreamId id;
      int64_t when;
      uint64_t deliveries;
      if (!LoadRawId(dec, &id) || !dec.MillisecondTime(&when) || !dec.Length(&deliveries)) {
        return false;
      }
      auto [it, fresh] = g->pel.try_emplace(id);
      if (!fresh) return dec.Fail("Duplicated global PEL entry");
      it->second.delivery_time = when;
      it->second.delivery_count = deliveries;
    }
    uint64_t nconsumers;
    if (!dec.Length(&nconsumers)) return false;
    for (uint64_t j = 0; j < nconsumers; ++j) {
      int64_t seen, active;
      if (!dec.String(&name) || !dec.MillisecondTime(&seen)) return false;
      if (rdb_type >= kRdbTypeStreamListpacks3) {
        if (!dec.MillisecondTime(&active)) return false;
      } else {
        active = seen;
      }
      if (g->FindConsumer(name) != nullptr) return dec.Fail("Duplicated consumer name");
      StreamConsumer* c = g->AddConsumer(name, seen);
      c->active_time = active;
      uint64_t owned;
      if (!dec.Length(&owned)) return false;
      for (uint64_t k = 0; k < owned; ++k) {
        StreamId id;
        if (!LoadRawId(dec, &id)) return false;
        auto it = g->pel.find(id);
        if (it == g->pel.end() || it->second.consumer != nullptr) {
          return dec.Fail("Consumer PEL entry not owned by the group exactly once");
        }
        it->second.consumer = c;
        c->pel.insert(id);
      }
    }
    for (const auto& [id, nack] : g->pel) {
      if (nack.consumer == nullptr) return dec.Fail("Group PEL entry without a consumer");
    }
  }
  return true;
}

class StreamCodec : public RdbValueCodec {
 public:
  uint8_t SaveType(const Entry&) const override { return kRdbTypeStreamListpacks2; }

  bool Save(const Entry& e, RdbEncoder& enc) const override {
    const auto* s = e.As<StreamObject>();
    bool ok = enc.Length(s->block_count());
    s->ForEachRawBlock([&](StreamId master, const StreamFields& mf, uint32_t live,
                           uint32_t deleted, const std::vector<StreamObject::RawEntry>& items) {
      char key[16];
      master.EncodeBig(key);
      ok = ok && enc.String(std::string_view(key, 16)) &&
           enc.String(NodeListpack(master, mf, live, deleted, items));
    });
    ok = ok && enc.Length(s->size()) && SaveId(enc, s->last_id()) && SaveId(enc, s->first_id()) &&
         SaveId(enc, s->max_deleted_id()) && enc.Length(s->entries_added()) &&
         enc.Length(s->groups().size());
    for (const auto& [name, g] : s->groups()) {
      ok = ok && enc.String(name) && SaveId(enc, g->last_id) &&
           enc.Length(static_cast<uint64_t>(g->entries_read)) && enc.Length(g->pel.size());
      for (const auto& [id, nack] : g->pel) {
        ok = ok && SaveRawId(enc, id) && enc.MillisecondTime(nack.delivery_time) &&
             enc.Length(nack.delivery_count);
      }
      ok = ok && enc.Length(g->consumers.size());
      for (const auto& [cname, c] : g->consumers) {
        ok = ok && enc.String(cname) && enc.MillisecondTime(c->seen_time) &&
             enc.Length(c->pel.size());
        for (StreamId id : c->pel) ok = ok && SaveRawId(enc, id);
      }
    }
    return ok;
  }

  Entry* Load(std::string_view key, uint8_t rdb_type, RdbDecoder& dec,
              const RdbLoadEnv& env) const override {
    auto* s = new StreamObject();
    if (!LoadInto(s, rdb_type, dec, env)) {
      delete s;
      return nullptr;
    }
    return Entry::NewObject(key, ObjType::kStream, s);
  }

 private:
  static bool LoadInto(StreamObject* s, uint8_t rdb_type, RdbDecoder& dec,
                       const RdbLoadEnv& env) {
    ServerConfig defaults;
    const ServerConfig& cfg = env.config ? *env.config : defaults;
    StreamLimits limits{cfg.stream_node_max_bytes, cfg.stream_node_max_entries};
    uint64_t nodes;
    if (!dec.Length(&nodes)) return false;
    StreamId prev;
    bool any = false;
    std::string node_key, blob, err;
    std::vector<std::string> items;
    for (uint64_t i = 0; i < nodes; ++i) {
      if (!dec.String(&node_key) || !dec.String(&blob)) return false;
      if (node_key.size() != 16) return dec.Fail("Stream node key entry is not the size of a stream ID");
      items.clear();
      if (!DecodeListpack(blob, &items, &err)) return dec.Fail("Stream listpack is corrupt: " + err);
      if (items.empty()) return dec.Fail("Empty listpack inside stream");
      StreamId master = StreamId::DecodeBig(node_key.data());
      if (!LoadNode(s, master, items, &prev, &any, limits, dec)) return false;
    }
    uint64_t length;
    StreamId last, first, max_deleted;
    uint64_t entries_added;
    if (!dec.Length(&length) || !LoadId(dec, &last)) return false;
    if (rdb_type >= kRdbTypeStreamListpacks2) {
      if (!LoadId(dec, &first) || !LoadId(dec, &max_deleted) || !dec.Length(&entries_added)) {
        return false;
      }
    } else {
      entries_added = length;
    }
    if (length != s->size()) return dec.Fail("Stream length does not match its entries");
    if (entries_added < length || entries_added > static_cast<uint64_t>(INT64_MAX)) {
      return dec.Fail("Stream entries_added is below its length");
    }
    if (max_deleted > last) return dec.Fail("Stream max deleted ID is above its last ID");
    if (any && last < prev) return dec.Fail("Stream last ID is below its entries");
    s->set_last_id(last);
    s->set_max_deleted_id(max_deleted);
    s->set_entries_added(entries_added);
    return LoadGroups(s, rdb_type, dec);
  }
};

}  // namespace

const RdbValueCodec& StreamRdbCodec() {
  static const StreamCodec codec;
  return codec;
}

}  // namespace sable
