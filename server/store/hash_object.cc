#include "server/store/hash_object.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <random>

#include "server/util/varint.h"

namespace sable {
namespace {

// Per-process seed for field tables, so clients cannot aim collisions at a hash.
uint64_t FieldSeed() {
  static const uint64_t seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^
                               std::random_device{}();
  return seed;
}

// Bytes a table field costs beyond its data: the block header and the malloc rounding.
constexpr size_t kFieldOverhead = sizeof(HashField) + 8;

size_t BlockBytes(const HashField* f) { return kFieldOverhead + f->data_bytes(); }

}  // namespace

// A hash object fits a 32-byte block: field TTLs must not cost plain hashes.
static_assert(sizeof(HashObject) <= 32);

HashField* HashField::New(std::string_view field, std::string_view value, int64_t when) {
  char head[20];
  bool ttl = when >= 0;
  size_t h = PutVarint((static_cast<uint64_t>(field.size()) << 1) | (ttl ? 1 : 0), head);
  h += PutVarint(value.size(), head + h);
  size_t tb = ttl ? kTtlBlock : 0;
  void* mem = std::malloc(sizeof(HashField) + h + tb + field.size() + value.size());
  if (mem == nullptr) throw std::bad_alloc();
  auto* f = static_cast<HashField*>(mem);
  f->next = nullptr;
  std::memcpy(f->data, head, h);
  if (ttl) {
    f->set_when(when);
    f->set_heap_pos(0);
  }
  char* at = f->data + h + tb;
  if (!field.empty()) std::memcpy(at, field.data(), field.size());
  if (!value.empty()) std::memcpy(at + field.size(), value.data(), value.size());
  return f;
}

HashField::Parts HashField::Parse() const {
  uint64_t fbits = 0, vlen = 0;
  const char* p = GetVarint(data, &fbits);
  p = GetVarint(p, &vlen);
  Parts out;
  out.ttl = p;
  out.field = p + ((fbits & 1) ? kTtlBlock : 0);
  out.flen = static_cast<size_t>(fbits >> 1);
  out.vlen = static_cast<size_t>(vlen);
  return out;
}

std::string_view CompactCursor::Next() {
  uint64_t len = 0;
  p_ = GetVarint(p_, &len);
  std::string_view item(p_, len);
  p_ += len;
  return item;
}

template <typename Buf>
static void AppendItem(Buf* buf, std::string_view item) {
  char head[10];
  buf->append(head, PutVarint(item.size(), head));
  buf->append(item);
}

void CompactAppend(std::string* buf, std::string_view item) { AppendItem(buf, item); }
void CompactAppend(ByteBuf* buf, std::string_view item) { AppendItem(buf, item); }

std::string HashObject::EncodeTtl(int64_t when) {
  std::string out;
  if (when < 0) return out;
  auto u = static_cast<uint64_t>(when);
  do {
    out.push_back(static_cast<char>(u & 0xff));
    u >>= 8;
  } while (u != 0);
  return out;
}

int64_t HashObject::DecodeTtl(std::string_view item) {
  if (item.empty()) return kNoFieldTtl;
  uint64_t u = 0;
  for (size_t i = item.size(); i-- > 0;) u = (u << 8) | static_cast<uint8_t>(item[i]);
  return static_cast<int64_t>(u);
}

HashObject::~HashObject() {
  if (table_) table_->dict.Clear([](HashField* f) { HashField::Free(f); });
}

size_t HashObject::Footprint() const {
  if (!table_) return sizeof(*this) + compact_.capacity();
  return sizeof(*this) + sizeof(FieldTable) + table_->bytes +
         table_->dict.bucket_count() * sizeof(void*) +
         table_->heap.capacity() * sizeof(HashField*);
}

Object* HashObject::Clone() const {
  auto* copy = new HashObject();
  if (!table_) {
    copy->compact_ = compact_;
    copy->table_.set_bits(table_.bits());
    return copy;
  }
  copy->table_ = std::make_unique<FieldTable>(FieldSeed());
  ForEachWithTtl([&](std::string_view f, std::string_view v, int64_t when) {
    copy->TableAdd(HashField::New(f, v, when));
  });
  return copy;
}

size_t HashObject::CompactFind(std::string_view field) const {
  CompactCursor c(compact_);
  while (!c.done()) {
    size_t at = static_cast<size_t>(c.pos() - compact_.data());
    std::string_view f = c.Next();
    if (f == field) return at;
    c.Next();
    if (triplets()) c.Next();
  }
  return std::string::npos;
}

size_t HashObject::CompactRecordLen(size_t at) const {
  CompactCursor c(std::string_view(compact_).substr(at));
  for (size_t i = 0; i < stride(); ++i) c.Next();
  return static_cast<size_t>(c.pos() - (compact_.data() + at));
}

std::optional<std::string_view> HashObject::Get(std::string_view field) const {
  std::string_view v;
  int64_t when;
  if (!Lookup(field, &v, &when)) return std::nullopt;
  return v;
}

bool HashObject::Lookup(std::string_view field, std::string_view* value, int64_t* when) const {
  if (table_) {
    HashField* f = table_->dict.Find(field);
    if (f == nullptr) return false;
    *value = f->value();
    *when = f->when();
    return true;
  }
  size_t at = CompactFind(field);
  if (at == std::string::npos) return false;
  CompactCursor c(std::string_view(compact_).substr(at));
  c.Next();
  *value = c.Next();
  *when = triplets() ? DecodeTtl(c.Next()) : kNoFieldTtl;
  return true;
}

void HashObject::TableAdd(HashField* f) {
  table_->dict.Insert(f);
  table_->bytes += BlockBytes(f);
  if (f->has_ttl()) HeapPush(f);
}

void HashObject::TableFree(HashField* f) {
  table_->bytes -= BlockBytes(f);
  HashField::Free(f);
}

bool HashObject::Set(std::string_view field, std::string_view value,
                     const CompactLimits& limits, bool keep_ttl) {
  if (!table_ && (field.size() > limits.max_value || value.size() > limits.max_value)) {
    ConvertToTable();
  }
  if (table_) {
    HashField* old = table_->dict.Find(field);
    if (old == nullptr) {
      TableAdd(HashField::New(field, value));
      return true;
    }
    bool keep = keep_ttl && old->has_ttl();
    HashField* fresh = HashField::New(field, value, keep ? old->when() : kNoFieldTtl);
    table_->dict.Replace(old, fresh);
    table_->bytes += BlockBytes(fresh);
    if (keep) {
      // The new block takes the old one's place in the heap.
      uint32_t pos = old->heap_pos();
      fresh->set_heap_pos(pos);
      table_->heap[pos] = fresh;
    } else if (old->has_ttl()) {
      HeapRemove(old);
    }
    TableFree(old);
    if (!keep) DropTtlLayoutIfUnused();
    return false;
  }
  size_t at = CompactFind(field);
  if (at != std::string::npos) {
    CompactCursor c(std::string_view(compact_).substr(at));
    c.Next();
    size_t vstart = static_cast<size_t>(c.pos() - compact_.data());
    c.Next();
    size_t vend = static_cast<size_t>(c.pos() - compact_.data());
    int64_t when = triplets() ? DecodeTtl(c.Next()) : kNoFieldTtl;
    if (when != kNoFieldTtl && !keep_ttl) {
      // Losing its TTL, the field moves to the persistent tail.
      compact_.erase(at, CompactRecordLen(at));
      CompactAppend(&compact_, field);
      CompactAppend(&compact_, value);
      CompactAppend(&compact_, {});
      DropTtlLayoutIfUnused();
      return false;
    }
    std::string item;
    CompactAppend(&item, value);
    compact_.replace(vstart, vend - vstart, item);
    return false;
  }
  CompactAppend(&compact_, field);
  CompactAppend(&compact_, value);
  if (triplets()) CompactAppend(&compact_, {});
  set_compact_size(compact_size() + 1);
  if (compact_size() > limits.max_entries) ConvertToTable();
  return true;
}

bool HashObject::Delete(std::string_view field) {
  if (table_) {
    HashField* f = table_->dict.Unlink(field);
    if (f == nullptr) return false;
    if (f->has_ttl()) HeapRemove(f);
    TableFree(f);
    table_->dict.ShrinkIfNeeded();
    DropTtlLayoutIfUnused();
    return true;
  }
  size_t at = CompactFind(field);
  if (at == std::string::npos) return false;
  compact_.erase(at, CompactRecordLen(at));
  set_compact_size(compact_size() - 1);
  DropTtlLayoutIfUnused();
  return true;
}

void HashObject::ConvertToTable() {
  if (table_) return;
  auto table = std::make_unique<FieldTable>(FieldSeed());
  std::vector<HashField*> fields;
  fields.reserve(compact_size());
  ForEachWithTtl([&](std::string_view f, std::string_view v, int64_t when) {
    fields.push_back(HashField::New(f, v, when));
  });
  table_ = std::move(table);
  for (HashField* f : fields) TableAdd(f);
  compact_ = ByteBuf();
}

void HashObject::CompactInsertTriplet(std::string_view field, std::string_view value,
                                      int64_t when) {
  std::string rec;
  CompactAppend(&rec, field);
  CompactAppend(&rec, value);
  CompactAppend(&rec, EncodeTtl(when));
  size_t insert_at = compact_.size();
  if (when != kNoFieldTtl) {
    // Before the first field expiring no earlier, or the first without a TTL.
    CompactCursor c(compact_);
    while (!c.done()) {
      size_t at = static_cast<size_t>(c.pos() - compact_.data());
      c.Next();
      c.Next();
      int64_t other = DecodeTtl(c.Next());
      if (other == kNoFieldTtl || other >= when) {
        insert_at = at;
        break;
      }
    }
  }
  compact_.insert(insert_at, rec);
}

void HashObject::CompactToTriplets() {
  std::string out;
  out.reserve(compact_.size() + compact_size());
  CompactCursor c(compact_);
  while (!c.done()) {
    CompactAppend(&out, c.Next());
    CompactAppend(&out, c.Next());
    CompactAppend(&out, {});
  }
  compact_.assign(out);
  set_triplets(true);
}

void HashObject::CompactToPairs() {
  std::string out;
  out.reserve(compact_.size());
  CompactCursor c(compact_);
  while (!c.done()) {
    CompactAppend(&out, c.Next());
    CompactAppend(&out, c.Next());
    c.Next();
  }
  compact_.assign(out);
  set_triplets(false);
}

void HashObject::DropTtlLayoutIfUnused() {
  if (table_) {
    if (table_->heap.empty() && table_->heap.capacity() != 0) {
      std::vector<HashField*>().swap(table_->heap);
    }
    return;
  }
  if (triplets() && MinExpire() == kNoFieldTtl) CompactToPairs();
}

bool HashObject::SetExpire(std::string_view field, int64_t when) {
  if (table_) {
    HashField* f = table_->dict.Find(field);
    if (f == nullptr) return false;
    if (f->has_ttl()) {
      f->set_when(when);
      HeapFix(f->heap_pos());
      return true;
    }
    // A persistent field grows a ttl block: a new block in its place.
    HashField* fresh = HashField::New(f->field(), f->value(), when);
    table_->dict.Replace(f, fresh);
    table_->bytes += BlockBytes(fresh);
    TableFree(f);
    HeapPush(fresh);
    return true;
  }
  size_t at = CompactFind(field);
  if (at == std::string::npos) return false;
  if (!triplets()) {
    CompactToTriplets();
    at = CompactFind(field);
  }
  CompactCursor c(std::string_view(compact_).substr(at));
  std::string f(c.Next());
  std::string v(c.Next());
  compact_.erase(at, CompactRecordLen(at));
  CompactInsertTriplet(f, v, when);
  return true;
}

bool HashObject::Persist(std::string_view field) {
  if (table_) {
    HashField* f = table_->dict.Find(field);
    if (f == nullptr || !f->has_ttl()) return false;
    HashField* fresh = HashField::New(f->field(), f->value());
    HeapRemove(f);
    table_->dict.Replace(f, fresh);
    table_->bytes += BlockBytes(fresh);
    TableFree(f);
    DropTtlLayoutIfUnused();
    return true;
  }
  if (!triplets()) return false;
  size_t at = CompactFind(field);
  if (at == std::string::npos) return false;
  CompactCursor c(std::string_view(compact_).substr(at));
  std::string f(c.Next());
  std::string v(c.Next());
  if (DecodeTtl(c.Next()) == kNoFieldTtl) return false;
  compact_.erase(at, CompactRecordLen(at));
  CompactInsertTriplet(f, v, kNoFieldTtl);
  DropTtlLayoutIfUnused();
  return true;
}

int64_t HashObject::MinExpire() const {
  if (table_) return table_->heap.empty() ? kNoFieldTtl : table_->heap.front()->when();
  if (!triplets() || compact_.empty()) return kNoFieldTtl;
  CompactCursor c(compact_);
  c.Next();
  c.Next();
  return DecodeTtl(c.Next());
}

void HashObject::HeapSwap(size_t a, size_t b) {
  std::vector<HashField*>& heap = table_->heap;
  std::swap(heap[a], heap[b]);
  heap[a]->set_heap_pos(static_cast<uint32_t>(a));
  heap[b]->set_heap_pos(static_cast<uint32_t>(b));
}

void HashObject::HeapFix(size_t pos) {
  std::vector<HashField*>& heap = table_->heap;
  while (pos > 0 && HeapLess(pos, (pos - 1) / 2)) {
    HeapSwap(pos, (pos - 1) / 2);
    pos = (pos - 1) / 2;
  }
  for (;;) {
    size_t l = 2 * pos + 1, r = l + 1, m = pos;
    if (l < heap.size() && HeapLess(l, m)) m = l;
    if (r < heap.size() && HeapLess(r, m)) m = r;
    if (m == pos) return;
    HeapSwap(pos, m);
    pos = m;
  }
}

void HashObject::HeapPush(HashField* f) {
  std::vector<HashField*>& heap = table_->heap;
  f->set_heap_pos(static_cast<uint32_t>(heap.size()));
  heap.push_back(f);
  HeapFix(heap.size() - 1);
}

void HashObject::HeapRemove(HashField* f) {
  std::vector<HashField*>& heap = table_->heap;
  size_t pos = f->heap_pos();
  size_t last = heap.size() - 1;
  if (pos != last) HeapSwap(pos, last);
  heap.pop_back();
  if (pos < heap.size()) HeapFix(pos);
}

std::pair<std::string_view, std::string_view> HashObject::Random(uint64_t (*rnd)()) const {
  if (table_) {
    HashField* f = table_->dict.FairRandom(rnd);
    return {f->field(), f->value()};
  }
  uint64_t pick = rnd() % compact_size();
  CompactCursor c(compact_);
  for (uint64_t i = 0; i < pick; ++i) {
    for (size_t k = 0; k < stride(); ++k) c.Next();
  }
  std::string_view f = c.Next();
  return {f, c.Next()};
}

}  // namespace sable
