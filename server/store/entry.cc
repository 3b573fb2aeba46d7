#include "server/store/entry.h"

#include <cstdlib>
#include <new>

#include "server/store/access_stamp.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"

namespace sable {

Entry* Entry::Allocate(std::string_view key, size_t payload) {
  void* mem = std::malloc(HeaderSize(key.size()) + key.size() + payload);
  if (mem == nullptr) throw std::bad_alloc();
  auto* e = reinterpret_cast<Entry*>(mem);
  e->next_ = nullptr;
  e->set_lru(access::Fresh());
  e->expire_ = 0;
  if (key.size() < kLongKey) {
    e->klen_ = static_cast<uint8_t>(key.size());
  } else {
    e->klen_ = kLongKey;
    auto n = static_cast<uint32_t>(key.size());
    std::memcpy(reinterpret_cast<char*>(e) + kHeaderSize, &n, sizeof(n));
  }
  if (!key.empty()) std::memcpy(e->data(), key.data(), key.size());
  return e;
}

Entry* Entry::NewString(std::string_view key, std::string_view value) {
  if (value.size() > kEmbstrMaxLen) return NewRaw(key, std::string(value));
  Entry* e = Allocate(key, sizeof(uint32_t) + value.size());
  e->set_encoding(ObjType::kString, Encoding::kEmbstr);
  auto len = static_cast<uint32_t>(value.size());
  std::memcpy(e->payload(), &len, sizeof(len));
  if (len) std::memcpy(e->payload() + sizeof(len), value.data(), len);
  return e;
}

Entry* Entry::NewInt(std::string_view key, int64_t value) {
  Entry* e = Allocate(key, sizeof(int64_t));
  e->set_encoding(ObjType::kString, Encoding::kInt);
  std::memcpy(e->payload(), &value, sizeof(value));
  return e;
}

Entry* Entry::NewRaw(std::string_view key, std::string value) {
  Entry* e = Allocate(key, sizeof(void*));
  e->set_encoding(ObjType::kString, Encoding::kRaw);
  auto* s = new std::string(std::move(value));
  std::memcpy(e->payload(), &s, sizeof(s));
  return e;
}

Entry* Entry::NewObject(std::string_view key, ObjType type, Object* obj) {
  Entry* e = Allocate(key, sizeof(void*));
  e->set_encoding(type, Encoding::kObject);
  std::memcpy(e->payload(), &obj, sizeof(obj));
  return e;
}

Entry* Entry::Clone(const Entry* e, std::string_view key) {
  switch (e->encoding()) {
    case Encoding::kInt:
      return NewInt(key, e->IntValue());
    case Encoding::kEmbstr: {
      char buf[24];
      return NewString(key, e->StringValue(buf));
    }
    case Encoding::kRaw:
      return NewRaw(key, *e->RawString());
    case Encoding::kObject:
      break;
  }
  return NewObject(key, e->type(), e->object()->Clone());
}

Entry* Entry::Rekey(Entry* e, std::string_view key) {
  size_t payload_size;
  switch (e->encoding()) {
    case Encoding::kInt:
      payload_size = sizeof(int64_t);
      break;
    case Encoding::kEmbstr: {
      uint32_t len;
      std::memcpy(&len, e->payload(), sizeof(len));
      payload_size = sizeof(len) + len;
      break;
    }
    default:
      payload_size = sizeof(void*);
  }
  Entry* fresh = Allocate(key, payload_size);
  fresh->set_encoding(e->type(), e->encoding());
  fresh->set_lru(e->lru());
  std::memcpy(fresh->payload(), e->payload(), payload_size);
  return fresh;
}

void Entry::FreeShell(Entry* e) { std::free(e); }

void Entry::Free(Entry* e) {
  if (e->encoding() == Encoding::kRaw) {
    delete e->RawString();
  } else if (e->encoding() == Encoding::kObject) {
    delete e->object();
  }
  std::free(e);
}

std::string_view Entry::StringValue(char* buf) const {
  switch (encoding()) {
    case Encoding::kInt:
      return {buf, FormatInt64(IntValue(), buf)};
    case Encoding::kEmbstr: {
      uint32_t len;
      std::memcpy(&len, payload(), sizeof(len));
      return {payload() + sizeof(len), len};
    }
    case Encoding::kRaw:
      return *RawString();
    default:
      return {};
  }
}

int64_t Entry::IntValue() const {
  int64_t v;
  std::memcpy(&v, payload(), sizeof(v));
  return v;
}

std::string* Entry::RawString() const { return static_cast<std::string*>(HeapPointer()); }

Object* Entry::object() const { return static_cast<Object*>(HeapPointer()); }

size_t Entry::StringLength() const {
  char buf[24];
  return StringValue(buf).size();
}

size_t Entry::Footprint() const {
  size_t base = HeaderSize(key_len()) + key_len();
  switch (encoding()) {
    case Encoding::kInt:
      return base + 8;
    case Encoding::kEmbstr:
      return base + 4 + StringLength();
    case Encoding::kRaw:
      return base + 8 + sizeof(std::string) + RawString()->capacity();
    case Encoding::kObject:
      return base + 8 + object()->Footprint();
  }
  return base;
}

bool Entry::HeavyToFree() const {
  // Freeing a big string is one free(); collections with many nodes are what stalls a loop.
  return encoding() == Encoding::kObject && object()->Footprint() > 64 * 1024;
}

void* Entry::ReleaseHeapValue() {
  void* p = HeapPointer();
  enc_ = static_cast<uint32_t>(Encoding::kInt);  // the shell no longer owns anything
  return p;
}

Entry* MakeStringEntry(std::string_view key, std::string_view value) {
  int64_t v;
  if (value.size() <= 20 && ParseInt64(value, &v)) return Entry::NewInt(key, v);
  return Entry::NewString(key, value);
}

std::string_view Entry::EncodingName() const {
  switch (encoding()) {
    case Encoding::kInt:
      return "int";
    case Encoding::kEmbstr:
      return "embstr";
    case Encoding::kRaw:
      return "raw";
    case Encoding::kObject:
      return object()->EncodingName();
  }
  return "unknown";
}

}  // namespace sable
