#include "server/store/hash_object.h"

#include <cstdlib>
#include <new>
#include <random>

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

}  // namespace

HashField* HashField::New(std::string_view field, std::string_view value) {
  void* mem = std::malloc(sizeof(HashField) + field.size() + value.size());
  if (mem == nullptr) throw std::bad_alloc();
  auto* f = static_cast<HashField*>(mem);
  f->next = nullptr;
  f->field_len = static_cast<uint32_t>(field.size());
  f->value_len = static_cast<uint32_t>(value.size());
  if (!field.empty()) std::memcpy(f->data, field.data(), field.size());
  if (!value.empty()) std::memcpy(f->data + field.size(), value.data(), value.size());
  return f;
}

std::string_view CompactCursor::Next() {
  uint64_t len = 0;
  int shift = 0;
  while (p_ < end_) {
    auto b = static_cast<uint8_t>(*p_++);
    len |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  std::string_view item(p_, len);
  p_ += len;
  return item;
}

void CompactAppend(std::string* buf, std::string_view item) {
  uint64_t len = item.size();
  while (len >= 0x80) {
    buf->push_back(static_cast<char>((len & 0x7f) | 0x80));
    len >>= 7;
  }
  buf->push_back(static_cast<char>(len));
  buf->append(item);
}

HashObject::~HashObject() {
  if (table_) table_->Clear([](HashField* f) { HashField::Free(f); });
}

size_t HashObject::Footprint() const {
  if (!table_) return sizeof(*this) + compact_.capacity();
  return sizeof(*this) + sizeof(Table) + table_bytes_ + table_->bucket_count() * sizeof(void*);
}

Object* HashObject::Clone() const {
  auto* copy = new HashObject();
  if (!table_) {
    copy->compact_ = compact_;
    copy->compact_size_ = compact_size_;
    return copy;
  }
  copy->table_ = std::make_unique<Table>(FieldSeed());
  ForEach([&](std::string_view f, std::string_view v) {
    copy->table_->Insert(HashField::New(f, v));
  });
  copy->table_bytes_ = table_bytes_;
  return copy;
}

size_t HashObject::CompactFind(std::string_view field) const {
  CompactCursor c(compact_);
  while (!c.done()) {
    size_t at = static_cast<size_t>(c.pos() - compact_.data());
    std::string_view f = c.Next();
    if (f == field) return at;
    c.Next();
  }
  return std::string::npos;
}

std::optional<std::string_view> HashObject::Get(std::string_view field) const {
  if (table_) {
    HashField* f = table_->Find(field);
    if (f == nullptr) return std::nullopt;
    return f->value();
  }
  size_t at = CompactFind(field);
  if (at == std::string::npos) return std::nullopt;
  CompactCursor c(std::string_view(compact_).substr(at));
  c.Next();
  return c.Next();
}

bool HashObject::Set(std::string_view field, std::string_view value,
                     const CompactLimits& limits) {
  if (!table_ && (field.size() > limits.max_value || value.size() > limits.max_value)) {
    ConvertToTable();
  }
  if (table_) {
    HashField* old = table_->Find(field);
    HashField* fresh = HashField::New(field, value);
    table_bytes_ += kFieldOverhead + field.size() + value.size();
    if (old == nullptr) {
      table_->Insert(fresh);
      return true;
    }
    table_->Replace(old, fresh);
    table_bytes_ -= kFieldOverhead + old->field_len + old->value_len;
    HashField::Free(old);
    return false;
  }
  size_t at = CompactFind(field);
  if (at != std::string::npos) {
    CompactCursor c(std::string_view(compact_).substr(at));
    c.Next();
    size_t vstart = at + static_cast<size_t>(c.pos() - (compact_.data() + at));
    c.Next();
    size_t vend = at + static_cast<size_t>(c.pos() - (compact_.data() + at));
    std::string item;
    CompactAppend(&item, value);
    compact_.replace(vstart, vend - vstart, item);
    return false;
  }
  CompactAppend(&compact_, field);
  CompactAppend(&compact_, value);
  ++compact_size_;
  if (compact_size_ > limits.max_entries) ConvertToTable();
  return true;
}

bool HashObject::Delete(std::string_view field) {
  if (table_) {
    HashField* f = table_->Unlink(field);
    if (f == nullptr) return false;
    table_bytes_ -= kFieldOverhead + f->field_len + f->value_len;
    HashField::Free(f);
    table_->ShrinkIfNeeded();
    return true;
  }
  size_t at = CompactFind(field);
  if (at == std::string::npos) return false;
  CompactCursor c(std::string_view(compact_).substr(at));
  c.Next();
  c.Next();
  compact_.erase(at, static_cast<size_t>(c.pos() - (compact_.data() + at)));
  --compact_size_;
  return true;
}

void HashObject::ConvertToTable() {
  if (table_) return;
  auto table = std::make_unique<Table>(FieldSeed());
  size_t bytes = 0;
  ForEach([&](std::string_view f, std::string_view v) {
    table->Insert(HashField::New(f, v));
    bytes += kFieldOverhead + f.size() + v.size();
  });
  table_ = std::move(table);
  table_bytes_ = bytes;
  std::string().swap(compact_);
  compact_size_ = 0;
}

std::pair<std::string_view, std::string_view> HashObject::Random(uint64_t (*rnd)()) const {
  if (table_) {
    HashField* f = table_->Random(rnd);
    return {f->field(), f->value()};
  }
  uint64_t pick = rnd() % compact_size_;
  CompactCursor c(compact_);
  for (uint64_t i = 0; i < pick; ++i) {
    c.Next();
    c.Next();
  }
  std::string_view f = c.Next();
  return {f, c.Next()};
}

}  // namespace sable
