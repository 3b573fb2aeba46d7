// The stream value type: entries in ID order, packed into blocks of up to
// `stream-node-max-entries` entries and about `stream-node-max-bytes` bytes (the same split points
// as Redis's listpack nodes, so approximate trimming drops the same entries), held in a vector
// sorted by the block's first ID. Within a block each entry is a flag byte, its ID as varint
// deltas from the previous entry, and its field/value strings; an entry with the block's first
// field names stores only its values. Deleted entries keep their place with a flag until their
// block empties. Beside the entries: the consumer groups with their pending entries lists.
// Pure structure: no replies, no Db.
#pragma once

#include <absl/container/btree_map.h>
#include <absl/container/btree_set.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/entry.h"
#include "server/util/byte_buf.h"
#include "server/util/varint.h"

namespace sable {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  auto operator<=>(const StreamId&) const = default;
  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }
  bool IsZero() const { return ms == 0 && seq == 0; }
  // The next/previous ID; false at the end of the ID space.
  bool Incr();
  bool Decr();
  std::string ToString() const;
  // The 16-byte big-endian form RDB and Redis's radix tree keys use.
  void EncodeBig(char out[16]) const;
  static StreamId DecodeBig(const char in[16]);
};

struct StreamConsumer;

// One pending (delivered, not acknowledged) entry of a group.
struct StreamNack {
  int64_t delivery_time = 0;
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;
  int64_t active_time = -1;
  // The IDs this consumer holds; their NACKs live in the group's PEL (a btree moves its values,
  // so nothing points into it).
  absl::btree_set<StreamId> pel;
};

struct StreamGroup {
  // Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown.
  static constexpr int64_t kInvalidEntriesRead = -1;

  StreamId last_id;
  int64_t entries_read = kInvalidEntriesRead;
  absl::btree_map<StreamId, StreamNack> pel;
  std::map<std::string, std::unique_ptr<StreamConsumer>, std::less<>> consumers;

  StreamConsumer* FindConsumer(std::string_view name) const;
  // Adds a consumer that does not exist yet.
  StreamConsumer* AddConsumer(std::string_view name, int64_t now_ms);
  // Removes a consumer and its pending entries; returns how many were pending.
  size_t DeleteConsumer(std::string_view name);
  // Drops one pending entry from the group and its consumer; false when it was not pending.
  bool Ack(StreamId id);
  // Hands a pending entry to `to` (creating the NACK when absent).
  StreamNack* Assign(StreamId id, StreamConsumer* to);
};

// Node limits, read from the config when an entry is appended.
struct StreamLimits {
  uint64_t max_bytes = 4096;
  int64_t max_entries = 100;
};

// One entry as the range walks hand it out: the ID and its field/value pairs, flattened.
using StreamFields = std::vector<std::string_view>;

class StreamObject : public Object {
 public:
  StreamObject() = default;
  StreamObject(const StreamObject& o);
  ~StreamObject() override = default;

  const char* EncodingName() const override { return "stream"; }
  size_t Footprint() const override;
  Object* Clone() const override { return new StreamObject(*this); }

  uint64_t size() const { return length_; }
  StreamId last_id() const { return last_id_; }
  void set_last_id(StreamId id) { last_id_ = id; }
  // The first live entry's ID, 0-0 when empty.
  StreamId first_id() const;
  // The last live entry's ID (Redis's streamLastValidID), 0-0 when empty.
  StreamId last_live_id() const;
  // The last entry kept in a block, deleted or not: appends must stay above it.
  StreamId last_entry_id() const { return blocks_.empty() ? StreamId{} : blocks_.back().last; }
  StreamId max_deleted_id() const { return max_deleted_id_; }
  void set_max_deleted_id(StreamId id) { max_deleted_id_ = id; }
  uint64_t entries_added() const { return entries_added_; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  size_t block_count() const { return blocks_.size(); }

  // Appends an entry whose ID is above last_id(); fv holds field, value, field, value...
  void Append(StreamId id, const StreamFields& fv, const StreamLimits& limits);
  // Marks an entry deleted; false when there is no live entry with that ID.
  bool Delete(StreamId id);
  // Whether a live entry with that ID exists.
  bool Contains(StreamId id) const;
  // Trimming as Redis's streamTrim: to at most maxlen entries, or of entries below minid.
  // approx only drops whole blocks; limit (0 = none) caps the entries removed. Returns the count.
  uint64_t TrimMaxLen(uint64_t maxlen, bool approx, int64_t limit);
  uint64_t TrimMinId(StreamId minid, bool approx, int64_t limit);

  // Calls fn(id, fields) for live entries with start <= id <= end, ascending (or descending when
  // reverse), until fn returns false.
  template <typename Fn>
  void Range(StreamId start, StreamId end, bool reverse, Fn&& fn) const;

  // The blocks as the RDB writer lays them out: fn(master ID, master field names, live count,
  // deleted count, entries) where every entry (deleted ones too) comes with its flags.
  struct RawEntry {
    StreamId id;
    bool deleted;
    bool same_fields;  // only the values are stored; the names are the master fields
    StreamFields fv;
  };
  template <typename Fn>
  void ForEachRawBlock(Fn&& fn) const;

  // Consumer groups (absent until the first XGROUP CREATE).
  StreamGroup* FindGroup(std::string_view name) const;
  // Creates a group; nullptr when the name is taken.
  StreamGroup* CreateGroup(std::string_view name, StreamId last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  const std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>>& groups() const {
    return groups_;
  }
  // Redis 8.2's reference policies (KEEPREF / DELREF / ACKED). Whether some group still needs
  // the entry: it is pending there, or the group has not been handed it yet.
  bool Referenced(StreamId id) const;
  // The lowest ID some group still needs (StreamId::Max() when none does).
  StreamId FirstNeeded() const;
  // Drops the entry from every group's PEL (and its consumer's).
  void DropReferences(StreamId id);
  // The same for every pending ID in [from, to).
  void DropReferencesIn(StreamId from, StreamId to);
  // Redis's streamEstimateDistanceFromFirstEverEntry: the logical read counter of `id`, or
  // kInvalidEntriesRead when it cannot be known.
  int64_t EstimateEntriesRead(StreamId id) const;
  // Redis's streamRangeHasTombstones from `start` to the end of the stream.
  bool HasTombstonesFrom(StreamId start) const;
  // A group's lag as XINFO reports it; false when it is unknown (null).
  bool GroupLag(const StreamGroup& g, int64_t* lag) const;

 private:
  struct Block {
    StreamId first;      // ID of the first entry, deleted or not
    StreamId last;       // ID of the last entry, deleted or not
    ByteBuf data;        // master field names, then the entries
    uint32_t live = 0;
    uint32_t deleted = 0;
    uint32_t lp_bytes = 0;  // Redis's listpack size of the same node, less its count fields
  };
  enum : uint8_t { kFlagDeleted = 1, kFlagSameFields = 2 };

  // Reads a block's master field names; returns where its entries start.
  static const char* ReadMaster(const Block& b, StreamFields* master);
  // Decodes entries of a block in order; fn(id, flags_offset, fields) returns false to stop.
  template <typename Fn>
  static void WalkBlock(const Block& b, Fn&& fn);
  // Index of the last block whose first ID is <= id (0 when none is).
  size_t BlockFor(StreamId id) const;
  // Marks the entry at data offset `flag_at` of block k deleted, dropping the block if empty.
  // Returns true when the block was removed.
  bool MarkDeleted(size_t k, size_t flag_at);
  uint64_t Trim(bool by_len, uint64_t maxlen, StreamId minid, bool approx, int64_t limit);
  size_t RedisNodeBytes(const Block& b) const;

  std::vector<Block> blocks_;
  uint64_t length_ = 0;
  StreamId last_id_;
  StreamId max_deleted_id_;
  uint64_t entries_added_ = 0;
  std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>> groups_;
};

inline const char* StreamObject::ReadMaster(const Block& b, StreamFields* master) {
  const char* p = b.data.data();
  uint64_t n;
  p = GetVarint(p, &n);
  master->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len;
    p = GetVarint(p, &len);
    master->emplace_back(p, len);
    p += len;
  }
  return p;
}

template <typename Fn>
void StreamObject::WalkBlock(const Block& b, Fn&& fn) {
  const char* base = b.data.data();
  const char* end = base + b.data.size();
  StreamFields master;
  const char* p = ReadMaster(b, &master);
  auto read_str = [&p]() {
    uint64_t n;
    p = GetVarint(p, &n);
    std::string_view s(p, n);
    p += n;
    return s;
  };
  uint64_t nmaster = master.size();
  StreamFields fv;
  StreamId id = b.first;
  bool first = true;
  while (p < end) {
    size_t flag_at = static_cast<size_t>(p - base);
    auto flags = static_cast<uint8_t>(*p++);
    uint64_t dms, seq;
    p = GetVarint(p, &dms);
    p = GetVarint(p, &seq);
    if (first) {
      first = false;
    } else if (dms == 0) {
      id.seq += seq + 1;
    } else {
      id.ms += dms;
      id.seq = seq;
    }
    fv.clear();
    if (flags & kFlagSameFields) {
      for (uint64_t i = 0; i < nmaster; ++i) {
        fv.push_back(master[i]);
        fv.push_back(read_str());
      }
    } else {
      uint64_t n;
      p = GetVarint(p, &n);
      for (uint64_t i = 0; i < 2 * n; ++i) fv.push_back(read_str());
    }
    if (!fn(id, flag_at, flags, fv)) return;
  }
}

template <typename Fn>
void StreamObject::Range(StreamId start, StreamId end, bool reverse, Fn&& fn) const {
  if (blocks_.empty() || start > end) return;
  if (!reverse) {
    for (size_t k = BlockFor(start); k < blocks_.size(); ++k) {
      const Block& b = blocks_[k];
      if (b.first > end) return;
      if (b.last < start) continue;
      bool go = true;
      WalkBlock(b, [&](StreamId id, size_t, uint8_t flags, const StreamFields& fv) {
        if (id > end) {
          go = false;
          return false;
        }
        if ((flags & kFlagDeleted) || id < start) return true;
        go = fn(id, fv);
        return go;
      });
      if (!go) return;
    }
    return;
  }
  struct Item {
    StreamId id;
    StreamFields fv;
  };
  std::vector<Item> items;
  for (size_t k = BlockFor(end) + 1; k-- > 0;) {
    const Block& b = blocks_[k];
    if (b.last < start) return;
    if (b.first > end) continue;
    items.clear();
    WalkBlock(b, [&](StreamId id, size_t, uint8_t flags, const StreamFields& fv) {
      if (id > end) return false;
      if (!(flags & kFlagDeleted) && id >= start) items.push_back({id, fv});
      return true;
    });
    for (size_t i = items.size(); i-- > 0;) {
      if (!fn(items[i].id, items[i].fv)) return;
    }
  }
}

template <typename Fn>
void StreamObject::ForEachRawBlock(Fn&& fn) const {
  std::vector<RawEntry> items;
  for (const Block& b : blocks_) {
    StreamFields master;
    ReadMaster(b, &master);
    items.clear();
    WalkBlock(b, [&](StreamId id, size_t, uint8_t flags, const StreamFields& fv) {
      items.push_back({id, (flags & kFlagDeleted) != 0, (flags & kFlagSameFields) != 0, fv});
      return true;
    });
    fn(b.first, master, b.live, b.deleted, items);
  }
}

}  // namespace sable
