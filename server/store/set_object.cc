#include "server/store/set_object.h"

#include <algorithm>
#include <bit>
#include <new>
#include <random>
#include <vector>

#include "server/util/numbers.h"
#include "server/util/varint.h"

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
  char head[10];
  out->append(head, PutVarint(len, head));
}

}  // namespace

std::string_view SetNextItem(const char** p) {
  uint64_t len = 0;
  const char* at = GetVarint(*p, &len);
  *p = at + len;
  return {at, len};
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

// A small set costs its entry, this 32-byte object and the exact buffer.
static_assert(sizeof(SetObject) <= 32);

SetObject::SetObject(Kind kind) {
  if (kind == Kind::kTable) {
    table_ = std::make_unique<MemberTable>(MemberSeed());
  } else {
    SetCompactState(kind, 2, 0);
  }
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
  s->set_width(width);
  s->buf_.assign(data);
  return s;
}

const char* SetObject::EncodingName() const {
  switch (kind()) {
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
  auto* copy = new SetObject(kind());
  if (kind() != Kind::kTable) {
    copy->table_.set_bits(table_.bits());
    copy->buf_ = buf_;
    return copy;
  }
  ForEach([&](std::string_view m) { copy->TableAdd(m); });
  return copy;
}

size_t SetObject::size() const {
  switch (kind()) {
    case Kind::kIntset:
      return IntCount();
    case Kind::kListpack:
      return count();
    case Kind::kTable:
      return table_->dict.size();
  }
  return 0;
}

bool SetObject::IsIntMember(std::string_view member, int64_t* v) {
  return member.size() <= 20 && ParseInt64(member, v);
}

int64_t SetObject::IntAt(size_t i) const {
  const char* p = buf_.data() + i * width();
  if (width() == 2) {
    int16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  if (width() == 4) {
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
  if (w > width()) {
    // A value wider than the others: rewrite every value at the new width, as intsetUpgrade.
    size_t n = IntCount();
    std::string wide(n * w + w, '\0');
    for (size_t i = 0; i < n; ++i) {
      int64_t x = IntAt(i);
      std::memcpy(wide.data() + (v < 0 ? i + 1 : i) * w, &x, w);
    }
    // The new value is the smallest or the largest: it goes first or last.
    std::memcpy(wide.data() + (v < 0 ? 0 : n) * w, &v, w);
    set_width(w);
    buf_.assign(wide);
    return true;
  }
  bool found;
  size_t at = IntSearch(v, &found);
  if (found) return false;
  char bytes[8];
  std::memcpy(bytes, &v, 8);  // the low `width()` bytes, little-endian
  buf_.insert(at * width(), std::string_view(bytes, width()));
  return true;
}

bool SetObject::IntRemove(int64_t v) {
  bool found;
  size_t at = IntSearch(v, &found);
  if (!found) return false;
  buf_.erase(at * width(), width());
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
  set_count(count() + 1);
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
  set_count(count() - 1);
}

void SetObject::TableAdd(MemberTable* table, std::string_view member) {
  SetMember* m = SetMember::New(member);
  table->dict.Insert(m);
  table->bytes += kMemberOverhead + m->len;
}

bool SetObject::Contains(std::string_view member) const {
  switch (kind()) {
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
  switch (kind()) {
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
  if (kind() == Kind::kIntset) {
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
  if (kind() == Kind::kListpack) {
    if (CompactFind(member) != std::string::npos) return false;
    if (count() < limits.max_listpack_entries && member.size() <= limits.max_listpack_value &&
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
  switch (kind()) {
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
  if (kind() != Kind::kIntset) return;
  size_t n = IntCount();
  std::string out;
  out.reserve(n * 4);
  for (size_t i = 0; i < n; ++i) {
    char buf[24];
    size_t len = FormatInt64(IntAt(i), buf);
    AppendVarint(&out, len);
    out.append(buf, len);
  }
  SetCompactState(Kind::kListpack, 2, n);
  buf_.assign(out);
}

void SetObject::ConvertToTable() {
  if (kind() == Kind::kTable) return;
  auto table = std::make_unique<MemberTable>(MemberSeed());
  ForEach([&](std::string_view m) { TableAdd(table.get(), m); });
  buf_ = ByteBuf();
  table_ = std::move(table);
}

std::string SetObject::Random(uint64_t (*rnd)()) const {
  switch (kind()) {
    case Kind::kIntset: {
      char buf[24];
      return std::string(buf, FormatInt64(IntAt(rnd() % IntCount()), buf));
    }
    case Kind::kListpack:
      return std::string(CompactAt(rnd() % count()));
    case Kind::kTable:
      return std::string(TableRandom(rnd)->view());
  }
  return {};
}

SetMember* SetObject::TableRandom(uint64_t (*rnd)()) const {
  return table_->dict.FairRandom(rnd);
}

std::string SetObject::PopRandom(uint64_t (*rnd)()) {
  switch (kind()) {
    case Kind::kIntset: {
      size_t i = rnd() % IntCount();
      char buf[24];
      std::string out(buf, FormatInt64(IntAt(i), buf));
      buf_.erase(i * width(), width());
      return out;
    }
    case Kind::kListpack: {
      size_t index = rnd() % count();
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
  std::swap(buf_, other.buf_);
  table_.swap(other.table_);
}

}  // namespace sable
