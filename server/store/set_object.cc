#include "server/store/set_object.h"

#include <algorithm>
#include <bit>
#include <new>
#include <random>
#include <vector>

#include "server/util/numbers.h"

namespace sable {
namespace {

// The intset buffer is the RDB blob's body, which is little-endian.
static_assert(std::endian::native == std::endian::little);

// Per-process seed for member tables, so clients cannot aim collisions at a set.
uint64_t MemberSeed() {
  static const uint64_t seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^
                               std::random_device{}();
  return seed;
}

// Bytes a table member costs beyond its data: the block header and the malloc rounding.
constexpr size_t kMemberOverhead = sizeof(SetMember) + 8;

// A listpack-encoded set stays under Redis's listpack safety limit (lpSafeToAdd: 1 GiB), and an
// intset under the same bound (its buffer's size is 32-bit).
constexpr size_t kMaxCompactBytes = size_t{1} << 30;

// The width Redis's _intsetValueEncoding() gives v.
uint8_t WidthFor(int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX) return 8;
  if (v < INT16_MIN || v > INT16_MAX) return 4;
  return 2;
}

// Characters of v in decimal, the sign included (Redis's sdigits10).
size_t Digits(int64_t v) {
  char buf[24];
  return FormatInt64(v, buf);
}

void AppendVarint(std::string* out, uint64_t len) {
  while (len >= 0x80) {
    out->push_back(static_cast<char>((len & 0x7f) | 0x80));
    len >>= 7;
  }
  out->push_back(static_cast<char>(len));
}

}  // namespace

std::string_view SetNextItem(const char** p) {
  uint64_t len = 0;
  int shift = 0;
  for (;;) {
    auto b = static_cast<uint8_t>(*(*p)++);
    len |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  std::string_view item(*p, len);
  *p += len;
  return item;
}

size_t SetFormatInt(int64_t v, char* buf) { return FormatInt64(v, buf); }

SetMember* SetMember::New(std::string_view member) {
  size_t len = std::min<size_t>(member.size(), UINT32_MAX);
  void* mem = std::malloc(sizeof(SetMember) + len);
  if (mem == nullptr) throw std::bad_alloc();
  auto* m = static_cast<SetMember*>(mem);
  m->next = nullptr;
  m->len = static_cast<uint32_t>(len);
  if (len) std::memcpy(m->data, member.data(), len);
  return m;
}

SetObject::SetObject(Kind kind) : kind_(kind) {
  if (kind == Kind::kTable) table_ = std::make_unique<MemberTable>(MemberSeed());
}

SetObject::~SetObject() {
  if (table_) table_->dict.Clear([](SetMember* m) { SetMember::Free(m); });
}

SetObject* SetObject::Create(std::string_view first, size_t size_hint, const SetLimits& limits) {
  int64_t v;
  if (IsIntMember(first, &v) && size_hint <= limits.max_intset_entries) {
    return new SetObject(Kind::kIntset);
  }
  if (size_hint <= limits.max_listpack_entries) return new SetObject(Kind::kListpack);
  return new SetObject(Kind::kTable);
}

SetObject* SetObject::FromIntset(uint32_t width, std::string_view data) {
  auto* s = new SetObject(Kind::kIntset);
  s->width_ = static_cast<uint8_t>(width);
  s->buf_.assign(data);
  return s;
}

const char* SetObject::EncodingName() const {
  switch (kind_) {
    case Kind::kIntset:
      return "intset";
    case Kind::kListpack:
      return "listpack";
    case Kind::kTable:
      return "hashtable";
  }
  return "unknown";
}

size_t SetObject::Footprint() const {
  size_t n = sizeof(*this) + buf_.capacity();
  if (table_) {
    n += sizeof(MemberTable) + table_->bytes + table_->dict.bucket_count() * sizeof(void*);
  }
  return n;
}

Object* SetObject::Clone() const {
  auto* copy = new SetObject(kind_);
  if (kind_ != Kind::kTable) {
    copy->width_ = width_;
    copy->count_ = count_;
    copy->buf_ = buf_;
    return copy;
  }
  ForEach([&](std::string_view m) { copy->TableAdd(m); });
  return copy;
}

size_t SetObject::size() const {
  switch (kind_) {
    case Kind::kIntset:
      return IntCount();
    case Kind::kListpack:
      return count_;
    case Kind::kTable:
      return table_->dict.size();
  }
  return 0;
}

bool SetObject::IsIntMember(std::string_view member, int64_t* v) {
  return member.size() <= 20 && ParseInt64(member, v);
}

int64_t SetObject::IntAt(size_t i) const {
  const char* p = buf_.data() + i * width_;
  if (width_ == 2) {
    int16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  if (width_ == 4) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  int64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

size_t SetObject::IntSearch(int64_t v, bool* found) const {
  size_t lo = 0, hi = IntCount();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int64_t x = IntAt(mid);
    if (x == v) {
      *found = true;
      return mid;
    }
    if (x < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *found = false;
  return lo;
}

bool SetObject::IntInsert(int64_t v) {
  uint8_t w = WidthFor(v);
  if (w > width_) {
    // A value wider than the others: rewrite every value at the new width, as intsetUpgrade.
    size_t n = IntCount();
    std::string wide(n * w + w, '\0');
    for (size_t i = 0; i < n; ++i) {
      int64_t x = IntAt(i);
      std::memcpy(wide.data() + (v < 0 ? i + 1 : i) * w, &x, w);
    }
    // The new value is the smallest or the largest: it goes first or last.
    std::memcpy(wide.data() + (v < 0 ? 0 : n) * w, &v, w);
    width_ = w;
    buf_.assign(wide);
    return true;
  }
  bool found;
  size_t at = IntSearch(v, &found);
  if (found) return false;
  char bytes[8];
  std::memcpy(bytes, &v, 8);  // the low `width_` bytes, little-endian
  buf_.insert(at * width_, std::string_view(bytes, width_));
  return true;
}

bool SetObject::IntRemove(int64_t v) {
  bool found;
  size_t at = IntSearch(v, &found);
  if (!found) return false;
  buf_.erase(at * width_, width_);
  return true;
}

size_t SetObject::CompactFind(std::string_view member) const {
  const char* base = buf_.data();
  const char* p = base;
  const char* end = p + buf_.size();
  while (p < end) {
    const char* at = p;
    if (SetNextItem(&p) == member) return static_cast<size_t>(at - base);
  }
  return std::string::npos;
}

void SetObject::CompactAppend(std::string_view member) {
  std::string item;
  item.reserve(member.size() + 5);
  AppendVarint(&item, member.size());
  item.append(member);
  buf_.append(item);
  ++count_;
}

std::string_view SetObject::CompactAt(size_t index) const {
  const char* p = buf_.data();
  for (size_t i = 0; i < index; ++i) SetNextItem(&p);
  return SetNextItem(&p);
}

void SetObject::RemoveCompactAt(size_t offset) {
  const char* p = buf_.data() + offset;
  SetNextItem(&p);
  buf_.erase(offset, static_cast<size_t>(p - (buf_.data() + offset)));
  --count_;
}

void SetObject::TableAdd(std::string_view member) {
  SetMember* m = SetMember::New(member);
  table_->dict.Insert(m);
  table_->bytes += kMemberOverhead + m->len;
}

bool SetObject::Contains(std::string_view member) const {
  switch (kind_) {
    case Kind::kIntset: {
      int64_t v;
      bool found = false;
      if (IsIntMember(member, &v)) IntSearch(v, &found);
      return found;
    }
    case Kind::kListpack:
      return CompactFind(member) != std::string::npos;
    case Kind::kTable:
      return table_->dict.Find(member) != nullptr;
  }
  return false;
}

uint64_t SetObject::IntsetLimit(const SetLimits& limits) {
  // Redis's intsetMaxEntries() caps the setting at 2^30.
  return std::min<uint64_t>(limits.max_intset_entries, uint64_t{1} << 30);
}

bool SetObject::Insert(std::string_view member) {
  switch (kind_) {
    case Kind::kIntset: {
      int64_t v;
      return IsIntMember(member, &v) && IntInsert(v);
    }
    case Kind::kListpack:
      if (CompactFind(member) != std::string::npos) return false;
      CompactAppend(member);
      return true;
    case Kind::kTable:
      if (table_->dict.Find(member) != nullptr) return false;
      TableAdd(member);
      return true;
  }
  return false;
}

bool SetObject::Add(std::string_view member, const SetLimits& limits) {
  if (kind_ == Kind::kIntset) {
    int64_t v;
    if (IsIntMember(member, &v)) {
      if (!IntInsert(v)) return false;
      if (IntCount() > IntsetLimit(limits) || buf_.size() > kMaxCompactBytes) ConvertToTable();
      return true;
    }
    // A string member: a listpack if every member (as digits) and the set fit one.
    size_t n = IntCount();
    size_t widest = n == 0 ? 0 : std::max(Digits(IntAt(0)), Digits(IntAt(n - 1)));
    if (n < limits.max_listpack_entries && member.size() <= limits.max_listpack_value &&
        widest <= limits.max_listpack_value &&
        n * (widest + 1) + member.size() < kMaxCompactBytes) {
      ConvertToListpack();
      CompactAppend(member);
    } else {
      ConvertToTable();
      TableAdd(member);
    }
    return true;
  }
  if (kind_ == Kind::kListpack) {
    if (CompactFind(member) != std::string::npos) return false;
    if (count_ < limits.max_listpack_entries && member.size() <= limits.max_listpack_value &&
        buf_.size() + member.size() < kMaxCompactBytes) {
      CompactAppend(member);
      return true;
    }
    ConvertToTable();
    TableAdd(member);
    return true;
  }
  if (table_->dict.Find(member) != nullptr) return false;
  TableAdd(member);
  return true;
}

bool SetObject::Remove(std::string_view member) {
  switch (kind_) {
    case Kind::kIntset: {
      int64_t v;
      return IsIntMember(member, &v) && IntRemove(v);
    }
    case Kind::kListpack: {
      size_t at = CompactFind(member);
      if (at == std::string::npos) return false;
      RemoveCompactAt(at);
      return true;
    }
    case Kind::kTable: {
      SetMember* m = table_->dict.Unlink(member);
      if (m == nullptr) return false;
      table_->bytes -= kMemberOverhead + m->len;
      SetMember::Free(m);
      table_->dict.ShrinkIfNeeded();
      return true;
    }
  }
  return false;
}

void SetObject::ConvertToListpack() {
  if (kind_ != Kind::kIntset) return;
  size_t n = IntCount();
  std::string out;
  out.reserve(n * 4);
  for (size_t i = 0; i < n; ++i) {
    char buf[24];
    size_t len = FormatInt64(IntAt(i), buf);
    AppendVarint(&out, len);
    out.append(buf, len);
  }
  kind_ = Kind::kListpack;
  count_ = static_cast<uint32_t>(n);
  buf_.assign(out);
}

void SetObject::ConvertToTable() {
  if (kind_ == Kind::kTable) return;
  table_ = std::make_unique<MemberTable>(MemberSeed());
  ForEach([&](std::string_view m) { TableAdd(m); });
  kind_ = Kind::kTable;
  buf_ = ByteBuf();
  count_ = 0;
  width_ = 2;
}

std::string SetObject::Random(uint64_t (*rnd)()) const {
  switch (kind_) {
    case Kind::kIntset: {
      char buf[24];
      return std::string(buf, FormatInt64(IntAt(rnd() % IntCount()), buf));
    }
    case Kind::kListpack:
      return std::string(CompactAt(rnd() % count_));
    case Kind::kTable:
      return std::string(TableRandom(rnd)->view());
  }
  return {};
}

SetMember* SetObject::TableRandom(uint64_t (*rnd)()) const {
  // A uniform bucket, then a slot among `slots`: a member is taken when the slot holds one.
  // Every member gets the same chance per try (1 / buckets / slots) whatever its chain's
  // length, where picking within the chain would favour members of short chains. A SCAN step
  // at a cursor below the smaller table's size visits one bucket of it and, while rehashing,
  // every bucket of the other table it maps to: each member is in exactly one such group.
  // Both tables have power-of-two sizes, so the smaller is the lowest bit of their sum.
  size_t buckets = table_->dict.bucket_count();
  uint64_t small_mask = (buckets & (~buckets + 1)) - 1;
  size_t slots = 4;
  std::vector<SetMember*> chain;
  for (;;) {
    chain.clear();
    table_->dict.Scan(rnd() & small_mask, [&](SetMember* m) { chain.push_back(m); });
    slots = std::max(slots, chain.size());
    size_t pick = rnd() % slots;
    if (pick < chain.size()) return chain[pick];
  }
}

std::string SetObject::PopRandom(uint64_t (*rnd)()) {
  switch (kind_) {
    case Kind::kIntset: {
      size_t i = rnd() % IntCount();
      char buf[24];
      std::string out(buf, FormatInt64(IntAt(i), buf));
      buf_.erase(i * width_, width_);
      return out;
    }
    case Kind::kListpack: {
      size_t index = rnd() % count_;
      const char* p = buf_.data();
      for (size_t i = 0; i < index; ++i) SetNextItem(&p);
      size_t offset = static_cast<size_t>(p - buf_.data());
      std::string out(SetNextItem(&p));
      RemoveCompactAt(offset);
      return out;
    }
    case Kind::kTable: {
      std::string out(TableRandom(rnd)->view());
      Remove(out);
      return out;
    }
  }
  return {};
}

void SetObject::Swap(SetObject& other) {
  std::swap(kind_, other.kind_);
  std::swap(width_, other.width_);
  std::swap(count_, other.count_);
  std::swap(buf_, other.buf_);
  std::swap(table_, other.table_);
}

}  // namespace sable
