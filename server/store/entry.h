// One key and its value in a single allocation. Strings live inline (as integers or bytes);
// collections and long strings hang off a pointer. The layout is packed by hand: a 13-byte
// header (chain pointer; 24-bit LRU clock, type, encoding and expire bit in one word; the key
// length in one byte, or 255 and four more bytes for keys of 255 bytes and longer), the key
// bytes, then the payload. A 10-byte key with a collection pointer fits a 32-byte block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace sable {

enum class ObjType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4, kStream = 6 };

// Encodings, named as OBJECT ENCODING reports them.
enum class Encoding : uint8_t {
  kInt,        // int64 stored inline
  kEmbstr,     // short string stored inline
  kRaw,        // std::string on the heap (long or mutated strings)
  kObject,     // a collection object on the heap (later types)
};

// Base of heap-held collection values, so the keyspace can free any of them.
class Object {
 public:
  virtual ~Object() = default;
  virtual const char* EncodingName() const = 0;
  // Approximate heap bytes, for lazy-free decisions and memory accounting.
  virtual size_t Footprint() const = 0;
  // A deep copy (COPY, and RENAME/MOVE across entries that must not share a value).
  virtual Object* Clone() const = 0;
};

// Strings up to this length are embedded (Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
constexpr size_t kEmbstrMaxLen = 44;

class Entry {
 public:
  static constexpr size_t kHeaderSize = 13;
  // Key lengths from here on are stored in four bytes after the header.
  static constexpr uint8_t kLongKey = 255;

  // Creation helpers; every entry is freed with Free().
  static Entry* NewString(std::string_view key, std::string_view value);
  static Entry* NewInt(std::string_view key, int64_t value);
  static Entry* NewRaw(std::string_view key, std::string value);
  static Entry* NewObject(std::string_view key, ObjType type, Object* obj);
  // A copy with another key (RENAME, COPY, MOVE keep values but not always keys).
  static Entry* Clone(const Entry* e, std::string_view key);
  // Same key and value, new entry; the value is moved, the old entry must then be freed with
  // FreeShell().
  static Entry* Rekey(Entry* e, std::string_view key);
  static void Free(Entry* e);
  // Frees only the entry block, not a heap value it pointed to (after Rekey moved it).
  static void FreeShell(Entry* e);

  std::string_view key() const { return {data(), key_len()}; }
  ObjType type() const { return static_cast<ObjType>(type_); }
  Encoding encoding() const { return static_cast<Encoding>(enc_); }
  bool has_expire() const { return expire_; }
  void set_has_expire(bool on) { expire_ = on; }
  // The 24-bit LRU clock stamp (server/util/clock.h).
  uint32_t lru() const { return lru_; }
  void set_lru(uint32_t v) { lru_ = v & 0xffffff; }
  // Redis's OBJECT ENCODING name ("int", "embstr", "raw", or the object's own).
  std::string_view EncodingName() const;

  // String access. For kInt, the digits are formatted into buf (at least 24 bytes).
  std::string_view StringValue(char* buf) const;
  bool IsInt() const { return encoding() == Encoding::kInt; }
  int64_t IntValue() const;
  // Only for kRaw: the heap string, mutable in place (APPEND, SETRANGE).
  std::string* RawString() const;
  size_t StringLength() const;
  // Only for kObject.
  Object* object() const;
  template <typename T>
  T* As() const {
    return static_cast<T*>(object());
  }
  // Bytes used by the entry itself plus its heap value (approximate).
  size_t Footprint() const;
  // True when freeing the value is slow enough to hand to the lazy-free thread.
  bool HeavyToFree() const;
  // Detaches the heap value (kRaw or kObject) so someone else frees it; the entry keeps a dangling
  // type and must be freed with FreeShell().
  void* ReleaseHeapValue();

 private:
  friend struct EntryTraits;

  Entry() = default;
  static Entry* Allocate(std::string_view key, size_t payload);
  static size_t HeaderSize(size_t key_len) {
    return key_len < kLongKey ? kHeaderSize : kHeaderSize + sizeof(uint32_t);
  }
  const char* base() const { return reinterpret_cast<const char*>(this); }
  size_t key_len() const {
    if (klen_ != kLongKey) return klen_;
    uint32_t n;
    std::memcpy(&n, base() + kHeaderSize, sizeof(n));
    return n;
  }
  const char* data() const {
    return base() + (klen_ != kLongKey ? kHeaderSize : kHeaderSize + sizeof(uint32_t));
  }
  char* data() { return const_cast<char*>(std::as_const(*this).data()); }
  char* payload() { return data() + key_len(); }
  const char* payload() const { return data() + key_len(); }
  void set_encoding(ObjType type, Encoding enc) {
    type_ = static_cast<uint32_t>(type);
    enc_ = static_cast<uint32_t>(enc);
  }
  void* HeapPointer() const {
    void* p;
    std::memcpy(&p, payload(), sizeof(p));
    return p;
  }

  Entry* next_;
  uint32_t lru_ : 24;
  uint32_t type_ : 3;
  uint32_t enc_ : 2;
  uint32_t expire_ : 1;
  uint8_t klen_;  // the key bytes start at kHeaderSize (or 4 bytes later for kLongKey)

  static void CheckLayout();
};

inline void Entry::CheckLayout() { static_assert(offsetof(Entry, klen_) + 1 == kHeaderSize); }

struct EntryTraits {
  static Entry*& Next(Entry* e) { return e->next_; }
  static std::string_view Key(const Entry* e) { return e->key(); }
};

// Picks Redis's encoding for a string value: int when it is a canonical int64 of at most 20
// chars, embstr up to 44 bytes, raw beyond.
Entry* MakeStringEntry(std::string_view key, std::string_view value);

}  // namespace sable
