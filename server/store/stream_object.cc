#include "server/store/stream_object.h"

#include <algorithm>
#include <cstdio>

#include "server/util/numbers.h"

namespace sable {
namespace {

// Redis's listpack entry sizes, for splitting blocks where Redis splits its nodes.
size_t BacklenBytes(size_t n) {
  if (n < 128) return 1;
  if (n < 16384) return 2;
  if (n < 2097152) return 3;
  if (n < 268435456) return 4;
  return 5;
}

size_t LpIntBytes(int64_t v) {
  size_t enc;
  if (v >= 0 && v <= 127) {
    enc = 1;
  } else if (v >= -4096 && v <= 4095) {
    enc = 2;
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    enc = 3;
  } else if (v >= -(1 << 23) && v < (1 << 23)) {
    enc = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    enc = 5;
  } else {
    enc = 9;
  }
  return enc + BacklenBytes(enc);
}

size_t LpStrBytes(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && ParseInt64(s, &v)) return LpIntBytes(v);
  size_t enc = s.size() + (s.size() < 64 ? 1 : s.size() < 4096 ? 2 : 5);
  return enc + BacklenBytes(enc);
}

void PutStr(ByteBuf* buf, std::string_view s) {
  char head[10];
  buf->append(head, PutVarint(s.size(), head));
  buf->append(s);
}

void PutNum(ByteBuf* buf, uint64_t v) {
  char head[10];
  buf->append(head, PutVarint(v, head));
}

}  // namespace

bool StreamId::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) return false;
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamId::Decr() {
  if (seq == 0) {
    if (ms == 0) return false;
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

std::string StreamId::ToString() const {
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%llu-%llu", static_cast<unsigned long long>(ms),
                        static_cast<unsigned long long>(seq));
  return {buf, static_cast<size_t>(n)};
}

void StreamId::EncodeBig(char out[16]) const {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(ms >> (56 - 8 * i));
    out[8 + i] = static_cast<char>(seq >> (56 - 8 * i));
  }
}

StreamId StreamId::DecodeBig(const char in[16]) {
  StreamId id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(in[i]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(in[8 + i]);
  }
  return id;
}

namespace {

// The value held under `name` in a map of owned values, or nullptr.
template <typename Map>
auto FindOwned(const Map& m, std::string_view name) -> decltype(m.begin()->second.get()) {
  auto it = m.find(name);
  return it == m.end() ? nullptr : it->second.get();
}

}  // namespace

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) const {
  return FindOwned(consumers, name);
}

StreamConsumer* StreamGroup::AddConsumer(std::string_view name, int64_t now_ms) {
  auto c = std::make_unique<StreamConsumer>();
  c->name = std::string(name);
  c->seen_time = now_ms;
  StreamConsumer* raw = c.get();
  consumers.emplace(std::string(name), std::move(c));
  return raw;
}

size_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end()) return 0;
  size_t n = it->second->pel.size();
  for (StreamId id : it->second->pel) pel.erase(id);
  consumers.erase(it);
  return n;
}

bool StreamGroup::Ack(StreamId id) {
  auto it = pel.find(id);
  if (it == pel.end()) return false;
  if (it->second.consumer != nullptr) it->second.consumer->pel.erase(id);
  pel.erase(it);
  return true;
}

StreamNack* StreamGroup::Assign(StreamId id, StreamConsumer* to) {
  auto [it, fresh] = pel.try_emplace(id);
  StreamNack* nack = &it->second;
  if (!fresh && nack->consumer != nullptr && nack->consumer != to) nack->consumer->pel.erase(id);
  nack->consumer = to;
  to->pel.insert(id);
  return nack;
}

StreamObject::StreamObject(const StreamObject& o)
    : blocks_(o.blocks_),
      length_(o.length_),
      last_id_(o.last_id_),
      max_deleted_id_(o.max_deleted_id_),
      entries_added_(o.entries_added_) {
  for (const auto& [name, g] : o.groups_) {
    StreamGroup* copy = CreateGroup(name, g->last_id, g->entries_read);
    for (const auto& [cname, c] : g->consumers) {
      StreamConsumer* nc = copy->AddConsumer(cname, c->seen_time);
      nc->active_time = c->active_time;
    }
    for (const auto& [id, nack] : g->pel) {
      StreamNack& n = copy->pel[id];
      n = nack;
      n.consumer = nack.consumer ? copy->FindConsumer(nack.consumer->name) : nullptr;
      if (n.consumer != nullptr) n.consumer->pel.insert(id);
    }
  }
}

size_t StreamObject::Footprint() const {
  size_t bytes = sizeof(*this) + blocks_.capacity() * sizeof(Block);
  for (const Block& b : blocks_) bytes += b.data.capacity();
  for (const auto& [name, g] : groups_) {
    bytes += sizeof(StreamGroup) + name.size() + g->pel.size() * (sizeof(StreamNack) + 24);
    for (const auto& [cname, c] : g->consumers) {
      bytes += sizeof(StreamConsumer) + 2 * cname.size() + c->pel.size() * 20;
    }
  }
  return bytes;
}

StreamId StreamObject::first_id() const {
  StreamId first;
  Range({}, StreamId::Max(), false, [&](StreamId id, const StreamFields&) {
    first = id;
    return false;
  });
  return first;
}

size_t StreamObject::BlockFor(StreamId id) const {
  auto it = std::upper_bound(blocks_.begin(), blocks_.end(), id,
                             [](StreamId v, const Block& b) { return v < b.first; });
  return it == blocks_.begin() ? 0 : static_cast<size_t>(it - blocks_.begin()) - 1;
}

size_t StreamObject::RedisNodeBytes(const Block& b) const {
  return b.lp_bytes + LpIntBytes(b.live) + LpIntBytes(b.deleted);
}

void StreamObject::Append(StreamId id, const StreamFields& fv, const StreamLimits& limits) {
  size_t payload = 0;
  for (std::string_view s : fv) payload += s.size();
  Block* b = blocks_.empty() ? nullptr : &blocks_.back();
  if (b != nullptr) {
    // Redis's node split test (streamAppendItem), on the bytes its listpack would hold.
    uint64_t max_bytes = limits.max_bytes;
    if (max_bytes == 0 || max_bytes > (1ull << 30)) max_bytes = 1ull << 30;
    if (RedisNodeBytes(*b) + payload >= max_bytes) {
      b = nullptr;
    } else if (limits.max_entries > 0 &&
               static_cast<int64_t>(b->live) + b->deleted >= limits.max_entries) {
      b = nullptr;
    }
  }
  size_t nfields = fv.size() / 2;
  bool same = false;
  if (b == nullptr) {
    blocks_.emplace_back();
    b = &blocks_.back();
    b->first = id;
    PutNum(&b->data, nfields);
    // Header, end byte, num-fields, the master fields and the master entry's 0 terminator.
    b->lp_bytes = static_cast<uint32_t>(7 + LpIntBytes(static_cast<int64_t>(nfields)) + 2);
    for (size_t i = 0; i < nfields; ++i) {
      PutStr(&b->data, fv[2 * i]);
      b->lp_bytes += static_cast<uint32_t>(LpStrBytes(fv[2 * i]));
    }
    same = true;
  } else {
    const char* p = b->data.data();
    uint64_t nmaster;
    p = GetVarint(p, &nmaster);
    if (nmaster == nfields) {
      same = true;
      for (size_t i = 0; i < nfields && same; ++i) {
        uint64_t n;
        p = GetVarint(p, &n);
        same = std::string_view(p, n) == fv[2 * i];
        p += n;
      }
    }
  }
  char flag = static_cast<char>(same ? kFlagSameFields : 0);
  b->data.append(&flag, 1);
  StreamId prev = b->live + b->deleted == 0 ? id : b->last;
  if (b->live + b->deleted == 0) {
    PutNum(&b->data, 0);
    PutNum(&b->data, 0);
  } else if (id.ms == prev.ms) {
    PutNum(&b->data, 0);
    PutNum(&b->data, id.seq - prev.seq - 1);
  } else {
    PutNum(&b->data, id.ms - prev.ms);
    PutNum(&b->data, id.seq);
  }
  if (!same) PutNum(&b->data, nfields);
  size_t lp = LpIntBytes(flag) + LpIntBytes(static_cast<int64_t>(id.ms - b->first.ms)) +
              LpIntBytes(static_cast<int64_t>(id.seq - b->first.seq));
  for (size_t i = 0; i < nfields; ++i) {
    if (!same) {
      PutStr(&b->data, fv[2 * i]);
      lp += LpStrBytes(fv[2 * i]);
    }
    PutStr(&b->data, fv[2 * i + 1]);
    lp += LpStrBytes(fv[2 * i + 1]);
  }
  int64_t lp_count = static_cast<int64_t>(nfields) + 3 + (same ? 0 : nfields + 1);
  lp += LpIntBytes(lp_count) + (same ? 0 : LpIntBytes(static_cast<int64_t>(nfields)));
  b->lp_bytes += static_cast<uint32_t>(lp);
  b->last = id;
  ++b->live;
  ++length_;
  last_id_ = id;
  ++entries_added_;
}

bool StreamObject::MarkDeleted(size_t k, size_t flag_at) {
  Block& b = blocks_[k];
  b.data.data()[flag_at] = static_cast<char>(b.data.data()[flag_at] | kFlagDeleted);
  --b.live;
  ++b.deleted;
  --length_;
  if (b.live != 0) return false;
  blocks_.erase(blocks_.begin() + static_cast<ptrdiff_t>(k));
  return true;
}

bool StreamObject::Delete(StreamId id) {
  if (blocks_.empty()) return false;
  size_t k = BlockFor(id);
  if (blocks_[k].first > id || blocks_[k].last < id) return false;
  size_t at = SIZE_MAX;
  WalkBlock(blocks_[k], [&](StreamId e, size_t flag_at, uint8_t flags, const StreamFields&) {
    if (e < id) return true;
    if (e == id && !(flags & kFlagDeleted)) at = flag_at;
    return false;
  });
  if (at == SIZE_MAX) return false;
  MarkDeleted(k, at);
  return true;
}

StreamId StreamObject::last_live_id() const {
  if (blocks_.empty()) return {};
  const Block& b = blocks_.back();
  if (b.deleted == 0) return b.last;
  StreamId last;
  WalkBlock(b, [&](StreamId id, size_t, uint8_t flags, const StreamFields&) {
    if (!(flags & kFlagDeleted)) last = id;
    return true;
  });
  return last;
}

bool StreamObject::Referenced(StreamId id) const {
  for (const auto& [name, g] : groups_) {
    if (id > g->last_id || g->pel.count(id) != 0) return true;
  }
  return false;
}

StreamId StreamObject::FirstNeeded() const {
  StreamId need = StreamId::Max();
  for (const auto& [name, g] : groups_) {
    StreamId undelivered = g->last_id;
    if (undelivered.Incr() && undelivered < need) need = undelivered;
    if (!g->pel.empty() && g->pel.begin()->first < need) need = g->pel.begin()->first;
  }
  return need;
}

void StreamObject::DropReferences(StreamId id) {
  for (auto& [name, g] : groups_) g->Ack(id);
}

void StreamObject::DropReferencesIn(StreamId from, StreamId to) {
  for (auto& [name, g] : groups_) {
    std::vector<StreamId> ids;
    for (auto it = g->pel.lower_bound(from); it != g->pel.end() && it->first < to; ++it) {
      ids.push_back(it->first);
    }
    for (StreamId id : ids) g->Ack(id);
  }
}

bool StreamObject::Contains(StreamId id) const {
  bool found = false;
  Range(id, id, false, [&](StreamId, const StreamFields&) {
    found = true;
    return false;
  });
  return found;
}

uint64_t StreamObject::TrimMaxLen(uint64_t maxlen, bool approx, int64_t limit) {
  return Trim(true, maxlen, {}, approx, limit);
}

uint64_t StreamObject::TrimMinId(StreamId minid, bool approx, int64_t limit) {
  return Trim(false, 0, minid, approx, limit);
}

uint64_t StreamObject::Trim(bool by_len, uint64_t maxlen, StreamId minid, bool approx,
                            int64_t limit) {
  uint64_t removed = 0;
  size_t drop = 0;  // whole blocks removed from the front
  while (drop < blocks_.size()) {
    if (by_len && length_ <= maxlen) break;
    Block& b = blocks_[drop];
    if (limit != 0 && static_cast<int64_t>(removed + b.live) > limit) break;
    bool whole = by_len ? length_ - b.live >= maxlen : b.last < minid;
    if (whole) {
      length_ -= b.live;
      removed += b.live;
      ++drop;
      continue;
    }
    if (approx) break;
    std::vector<size_t> marks;
    uint64_t left = length_;
    WalkBlock(b, [&](StreamId id, size_t flag_at, uint8_t flags, const StreamFields&) {
      if (by_len ? left <= maxlen : id >= minid) return false;
      if (!(flags & kFlagDeleted)) {
        marks.push_back(flag_at);
        --left;
      }
      return true;
    });
    // MarkDeleted drops the block when its last live entry goes (MINID can reach every live
    // entry of a block whose deleted tail sits at or past minid).
    for (size_t at : marks) MarkDeleted(drop, at);
    removed += marks.size();
    break;
  }
  blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<ptrdiff_t>(drop));
  return removed;
}

StreamGroup* StreamObject::FindGroup(std::string_view name) const {
  return FindOwned(groups_, name);
}

StreamGroup* StreamObject::CreateGroup(std::string_view name, StreamId last_id,
                                       int64_t entries_read) {
  if (groups_.count(name) != 0) return nullptr;
  auto g = std::make_unique<StreamGroup>();
  g->last_id = last_id;
  g->entries_read = entries_read;
  StreamGroup* raw = g.get();
  groups_.emplace(std::string(name), std::move(g));
  return raw;
}

bool StreamObject::DestroyGroup(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  groups_.erase(it);
  return true;
}

int64_t StreamObject::EstimateEntriesRead(StreamId id) const {
  if (entries_added_ == 0) return 0;
  auto added = static_cast<int64_t>(entries_added_);
  if (length_ == 0 && id <= last_id_) return added;
  if (id == last_id_) return added;
  if (id > last_id_) return StreamGroup::kInvalidEntriesRead;
  StreamId first = first_id();
  if (max_deleted_id_.IsZero() || max_deleted_id_ < first) {
    // entries_added >= length holds for every stream (XSETID and the loader refuse less).
    if (id < first) return added - static_cast<int64_t>(length_);
    if (id == first) return added - static_cast<int64_t>(length_) + 1;
  }
  return StreamGroup::kInvalidEntriesRead;
}

bool StreamObject::HasTombstonesFrom(StreamId start) const {
  if (length_ == 0 || max_deleted_id_.IsZero()) return false;
  if (first_id() > max_deleted_id_) return false;
  return start <= max_deleted_id_;
}

bool StreamObject::GroupLag(const StreamGroup& g, int64_t* lag) const {
  if (entries_added_ == 0) {
    *lag = 0;
    return true;
  }
  auto added = static_cast<int64_t>(entries_added_);
  if (g.entries_read != StreamGroup::kInvalidEntriesRead && !HasTombstonesFrom(g.last_id)) {
    *lag = added - g.entries_read;
    return true;
  }
  int64_t read = EstimateEntriesRead(g.last_id);
  if (read == StreamGroup::kInvalidEntriesRead) return false;
  *lag = added - read;
  return true;
}

}  // namespace sable
