// The struct and cmsgpack libraries Redis gives scripts, written for Sable to behave as the ones
// Redis embeds (struct 0.2 with Redis's fixes, lua-cmsgpack 0.4): the same format options,
// encodings and error messages, so a script packs the same bytes here as on Redis.
//
// Lua reports errors with longjmp, past C++ destructors: nothing here holds an object with one
// across a call that may raise. Packed bytes collect in file-level buffers (one call runs at a
// time, on the loop thread), cleared at the start of each pack.
#include "server/scripting/lua_libs.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <algorithm>
#include <bit>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

namespace sable {
namespace {

// ---- struct -------------------------------------------------------------------------------

constexpr int kMaxIntSize = 32;
constexpr int kMaxAlign = 8;  // the strictest alignment of a double, pointer or integer
constexpr bool kNativeLittle = (std::endian::native == std::endian::little);

struct Header {
  bool little = kNativeLittle;
  int align = 1;
};

std::string g_struct_buf;

// A scratch buffer keeps its capacity between calls, up to a bound: one huge pack must not pin
// its memory for the server's life.
void TrimScratch(std::string* buf) {
  constexpr size_t kKeep = 64 * 1024;
  if (buf->capacity() > kKeep) std::string().swap(*buf);
}

// double to float as the hardware rounds it, without the undefined behaviour of a cast out of
// range: beyond FLT_MAX (after rounding) the result is an infinity of the same sign.
float NarrowToFloat(double d) {
  constexpr double kRoundsToMax = 3.4028235677973366e38;  // FLT_MAX + half an ulp
  if (d >= kRoundsToMax) return std::numeric_limits<float>::infinity();
  if (d <= -kRoundsToMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(d);
}

int GetNum(lua_State* L, const char** fmt, int def) {
  if (!std::isdigit(static_cast<unsigned char>(**fmt))) return def;
  int a = 0;
  do {
    int digit = **fmt - '0';
    if (a > (INT_MAX / 10) || a * 10 > (INT_MAX - digit)) {
      luaL_error(L, "integral size overflow");
    }
    a = a * 10 + digit;
    ++*fmt;
  } while (std::isdigit(static_cast<unsigned char>(**fmt)));
  return a;
}

size_t OptSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return sizeof(char);
    case 'H':
    case 'h':
      return sizeof(short);
    case 'L':
    case 'l':
      return sizeof(long);
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return static_cast<size_t>(GetNum(L, fmt, 1));
    case 'i':
    case 'I': {
      int sz = GetNum(L, fmt, sizeof(int));
      if (sz > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", sz, kMaxIntSize);
      }
      return static_cast<size_t>(sz);
    }
    default:
      return 0;  // the other options take no room and need no alignment
  }
}

size_t ToAlign(size_t len, const Header& h, char opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = static_cast<size_t>(h.align);
  return (size - (len & (size - 1))) & (size - 1);
}

void ControlOption(lua_State* L, char opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h->little = false;
      return;
    case '<':
      h->little = true;
      return;
    case '!': {
      int a = GetNum(L, fmt, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// Bytes of a float or double in the order asked for.
void PutBytes(const void* p, size_t size, bool little) {
  char b[8];
  std::memcpy(b, p, size);
  if (little != kNativeLittle) {
    for (size_t i = 0; i < size / 2; ++i) std::swap(b[i], b[size - 1 - i]);
  }
  g_struct_buf.append(b, size);
}

int StructPack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t total = 0;
  g_struct_buf.clear();
  while (*fmt != '\0') {
    char opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    size_t pad = ToAlign(total, h, opt, size);
    total += pad;
    g_struct_buf.append(pad, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i':
      case 'I': {
        lua_Number n = luaL_checknumber(L, arg++);
        // Out-of-range numbers (and NaN) saturate instead of being undefined casts.
        uint64_t v = 0;
        if (n < 0) {
          v = n > -9223372036854775808.0 ? static_cast<uint64_t>(static_cast<int64_t>(n))
                                         : (1ull << 63);
        } else if (n >= 18446744073709551616.0) {
          v = ~0ull;
        } else if (n > 0) {
          v = static_cast<uint64_t>(n);
        }
        char b[kMaxIntSize];
        for (size_t i = 0; i < size; ++i) {
          b[h.little ? i : size - 1 - i] = static_cast<char>(v & 0xff);
          v >>= 8;
        }
        g_struct_buf.append(b, size);
        break;
      }
      case 'x':
        g_struct_buf.push_back('\0');
        break;
      case 'f': {
        float f = NarrowToFloat(luaL_checknumber(L, arg++));
        PutBytes(&f, size, h.little);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        PutBytes(&d, size, h.little);
        break;
      }
      case 'c':
      case 's': {
        size_t l = 0;
        const char* s = luaL_checklstring(L, arg++, &l);
        if (size == 0) size = l;
        luaL_argcheck(L, l >= size, arg, "string too short");
        g_struct_buf.append(s, size);
        if (opt == 's') {
          g_struct_buf.push_back('\0');
          ++size;
        }
        break;
      }
      default:
        ControlOption(L, opt, &fmt, &h);
    }
    total += size;
  }
  lua_pushlstring(L, g_struct_buf.data(), g_struct_buf.size());
  TrimScratch(&g_struct_buf);
  return 1;
}

lua_Number GetInteger(const char* p, bool little, bool is_signed, size_t size) {
  uint64_t l = 0;
  for (size_t k = 0; k < size; ++k) {
    size_t i = little ? size - 1 - k : k;
    l = (l << 8) | static_cast<unsigned char>(p[i]);
  }
  if (!is_signed) return static_cast<lua_Number>(l);
  size_t bits = size * 8 - 1;
  uint64_t mask = bits >= 64 ? (1ull << 63) : (~0ull << bits);
  if (l & mask) l |= mask;  // sign extension
  return static_cast<lua_Number>(static_cast<int64_t>(l));
}

int StructUnpack(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld = 0;
  const char* data = luaL_checklstring(L, 2, &ld);
  lua_Integer start = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
  size_t pos = static_cast<size_t>(start) - 1;
  int n = 0;
  while (*fmt != '\0') {
    char opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    pos += ToAlign(pos, h, opt, size);
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i':
      case 'I':
        lua_pushnumber(L, GetInteger(data + pos, h.little,
                                     std::islower(static_cast<unsigned char>(opt)) != 0, size));
        ++n;
        break;
      case 'x':
        break;
      case 'f': {
        char b[sizeof(float)];
        std::memcpy(b, data + pos, size);
        if (h.little != kNativeLittle) std::reverse(b, b + sizeof(b));
        float f;
        std::memcpy(&f, b, sizeof(f));
        lua_pushnumber(L, f);
        ++n;
        break;
      }
      case 'd': {
        char b[sizeof(double)];
        std::memcpy(b, data + pos, size);
        if (h.little != kNativeLittle) std::reverse(b, b + sizeof(b));
        double d;
        std::memcpy(&d, b, sizeof(d));
        lua_pushnumber(L, d);
        ++n;
        break;
      }
      case 'c':
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          lua_Number want = lua_tonumber(L, -1);
          size = want >= 0 && want <= static_cast<lua_Number>(ld) ? static_cast<size_t>(want)
                                                                  : ld + 1;
          lua_pop(L, 1);
          --n;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        ++n;
        break;
      case 's': {
        const void* e = std::memchr(data + pos, '\0', ld - pos);
        if (e == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(static_cast<const char*>(e) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        ++n;
        break;
      }
      default:
        ControlOption(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int StructSize(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt != '\0') {
    char opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    pos += ToAlign(pos, h, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!std::isalnum(static_cast<unsigned char>(opt))) ControlOption(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

// ---- cmsgpack -----------------------------------------------------------------------------

constexpr int kMaxNesting = 16;     // deeper tables pack as nil, as lua-cmsgpack does
constexpr int kMaxDecodeDepth = 1000;  // deeper input is refused rather than recursed into

std::string g_pack_buf;

void PutBig(uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) g_pack_buf.push_back(static_cast<char>(v >> (8 * i)));
}

void PutHeader(uint8_t tag, uint64_t v, int bytes) {
  g_pack_buf.push_back(static_cast<char>(tag));
  PutBig(v, bytes);
}

void EncodeInteger(int64_t v) {
  if (v >= 0) {
    if (v <= 127) {
      g_pack_buf.push_back(static_cast<char>(v));
    } else if (v <= 0xff) {
      PutHeader(0xcc, static_cast<uint64_t>(v), 1);
    } else if (v <= 0xffff) {
      PutHeader(0xcd, static_cast<uint64_t>(v), 2);
    } else if (v <= 0xffffffffll) {
      PutHeader(0xce, static_cast<uint64_t>(v), 4);
    } else {
      PutHeader(0xcf, static_cast<uint64_t>(v), 8);
    }
  } else if (v >= -32) {
    g_pack_buf.push_back(static_cast<char>(static_cast<int8_t>(v)));
  } else if (v >= -128) {
    PutHeader(0xd0, static_cast<uint8_t>(v), 1);
  } else if (v >= -32768) {
    PutHeader(0xd1, static_cast<uint16_t>(v), 2);
  } else if (v >= -2147483648ll) {
    PutHeader(0xd2, static_cast<uint32_t>(v), 4);
  } else {
    PutHeader(0xd3, static_cast<uint64_t>(v), 8);
  }
}

void EncodeNumber(lua_Number n) {
  if (!std::isinf(n) && !std::isnan(n) && n >= -9223372036854775808.0 &&
      n < 9223372036854775808.0 && static_cast<lua_Number>(static_cast<int64_t>(n)) == n) {
    EncodeInteger(static_cast<int64_t>(n));
    return;
  }
  float f = NarrowToFloat(n);
  if (static_cast<double>(f) == n) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    PutHeader(0xca, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &n, 8);
    PutHeader(0xcb, bits, 8);
  }
}

void EncodeString(const char* s, size_t len) {
  if (len < 32) {
    g_pack_buf.push_back(static_cast<char>(0xa0 | len));
  } else if (len <= 0xff) {
    PutHeader(0xd9, len, 1);
  } else if (len <= 0xffff) {
    PutHeader(0xda, len, 2);
  } else {
    PutHeader(0xdb, len, 4);
  }
  g_pack_buf.append(s, len);
}

// lua-cmsgpack's test: a table is an array when its keys are exactly 1..n (an empty one is).
bool IsArray(lua_State* L) {
  int top = lua_gettop(L);
  lua_Number max = 0;
  lua_Number count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_settop(L, top);
      return false;
    }
    lua_Number k = lua_tonumber(L, -1);
    if (k <= 0 || std::floor(k) != k) {
      lua_settop(L, top);
      return false;
    }
    if (k > max) max = k;
    ++count;
  }
  lua_settop(L, top);
  return max == count;
}

void EncodeValue(lua_State* L, int level);

void EncodeTable(lua_State* L, int level) {
  luaL_checkstack(L, 3, "cmsgpack: too deeply nested");
  if (IsArray(L)) {
    size_t len = lua_objlen(L, -1);
    if (len <= 15) {
      g_pack_buf.push_back(static_cast<char>(0x90 | len));
    } else if (len <= 0xffff) {
      PutHeader(0xdc, len, 2);
    } else {
      PutHeader(0xdd, len, 4);
    }
    for (size_t j = 1; j <= len; ++j) {
      lua_pushnumber(L, static_cast<lua_Number>(j));
      lua_gettable(L, -2);
      EncodeValue(L, level + 1);
    }
    return;
  }
  size_t len = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++len;
  }
  if (len <= 15) {
    g_pack_buf.push_back(static_cast<char>(0x80 | len));
  } else if (len <= 0xffff) {
    PutHeader(0xde, len, 2);
  } else {
    PutHeader(0xdf, len, 4);
  }
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {  // key at -2, value at -1
    lua_pushvalue(L, -2);
    EncodeValue(L, level + 1);  // the key (its copy is popped)
    EncodeValue(L, level + 1);  // the value (popped), the key stays for lua_next
  }
}

// Encodes the value on top of the stack and pops it.
void EncodeValue(lua_State* L, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeString(s, len);
      break;
    }
    case LUA_TBOOLEAN:
      g_pack_buf.push_back(static_cast<char>(lua_toboolean(L, -1) ? 0xc3 : 0xc2));
      break;
    case LUA_TNUMBER:
      EncodeNumber(lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      if (level == kMaxNesting) {
        g_pack_buf.push_back(static_cast<char>(0xc0));
      } else {
        EncodeTable(L, level);
      }
      break;
    default:
      g_pack_buf.push_back(static_cast<char>(0xc0));
  }
  lua_pop(L, 1);
}

int MsgpackPack(lua_State* L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs)) {
    return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  }
  g_pack_buf.clear();
  for (int i = 1; i <= nargs; ++i) {
    lua_pushvalue(L, i);
    EncodeValue(L, 0);
  }
  lua_pushlstring(L, g_pack_buf.data(), g_pack_buf.size());
  TrimScratch(&g_pack_buf);
  return 1;
}

// A cursor over packed input; errors leave `eof` or `bad` set and push nothing more.
struct Cursor {
  const unsigned char* p;
  size_t left;
  bool eof = false;
  bool bad = false;
  bool failed() const { return eof || bad; }
  bool Need(size_t n) {
    if (left < n) eof = true;
    return !eof;
  }
  uint64_t Big(size_t at, size_t bytes) const {
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v = (v << 8) | p[at + i];
    return v;
  }
  void Skip(size_t n) {
    p += n;
    left -= n;
  }
};

void Decode(lua_State* L, Cursor& c, int depth);

void DecodeArray(lua_State* L, Cursor& c, uint64_t n, int depth) {
  lua_newtable(L);
  for (uint64_t j = 0; j < n && !c.failed(); ++j) {
    lua_pushnumber(L, static_cast<lua_Number>(j + 1));
    Decode(L, c, depth + 1);
    if (c.failed()) return;
    lua_settable(L, -3);
  }
}

void DecodeMap(lua_State* L, Cursor& c, uint64_t n, int depth) {
  lua_newtable(L);
  for (uint64_t j = 0; j < n && !c.failed(); ++j) {
    Decode(L, c, depth + 1);
    if (c.failed()) return;
    Decode(L, c, depth + 1);
    if (c.failed()) return;
    lua_settable(L, -3);
  }
}

void DecodeBytes(lua_State* L, Cursor& c, size_t header, size_t len_bytes) {
  if (!c.Need(header)) return;
  size_t len = static_cast<size_t>(c.Big(1, len_bytes));
  if (!c.Need(header + len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p + header), len);
  c.Skip(header + len);
}

// Pushes the next value (one slot), or sets c.eof / c.bad.
void Decode(lua_State* L, Cursor& c, int depth) {
  if (depth > kMaxDecodeDepth || !lua_checkstack(L, 4)) {
    c.bad = true;
    return;
  }
  if (!c.Need(1)) return;
  unsigned char t = c.p[0];
  auto fixed = [&](size_t bytes) {
    if (!c.Need(1 + bytes)) return false;
    return true;
  };
  switch (t) {
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
      size_t bytes = size_t{1} << (t - 0xcc);
      if (!fixed(bytes)) return;
      lua_pushnumber(L, static_cast<lua_Number>(c.Big(1, bytes)));
      c.Skip(1 + bytes);
      return;
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      size_t bytes = size_t{1} << (t - 0xd0);
      if (!fixed(bytes)) return;
      uint64_t v = c.Big(1, bytes);
      int64_t s;
      switch (bytes) {
        case 1: s = static_cast<int8_t>(v); break;
        case 2: s = static_cast<int16_t>(v); break;
        case 4: s = static_cast<int32_t>(v); break;
        default: s = static_cast<int64_t>(v);
      }
      lua_pushnumber(L, static_cast<lua_Number>(s));
      c.Skip(1 + bytes);
      return;
    }
    case 0xc0:
      lua_pushnil(L);
      c.Skip(1);
      return;
    case 0xc2:
    case 0xc3:
      lua_pushboolean(L, t == 0xc3);
      c.Skip(1);
      return;
    case 0xca: {
      if (!fixed(4)) return;
      uint32_t bits = static_cast<uint32_t>(c.Big(1, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      lua_pushnumber(L, f);
      c.Skip(5);
      return;
    }
    case 0xcb: {
      if (!fixed(8)) return;
      uint64_t bits = c.Big(1, 8);
      double d;
      std::memcpy(&d, &bits, 8);
      lua_pushnumber(L, d);
      c.Skip(9);
      return;
    }
    case 0xc4: case 0xd9: DecodeBytes(L, c, 2, 1); return;
    case 0xc5: case 0xda: DecodeBytes(L, c, 3, 2); return;
    case 0xc6: case 0xdb: DecodeBytes(L, c, 5, 4); return;
    case 0xdc: case 0xdd: case 0xde: case 0xdf: {
      size_t bytes = (t == 0xdc || t == 0xde) ? 2 : 4;
      if (!fixed(bytes)) return;
      uint64_t n = c.Big(1, bytes);
      c.Skip(1 + bytes);
      if (t <= 0xdd) {
        DecodeArray(L, c, n, depth);
      } else {
        DecodeMap(L, c, n, depth);
      }
      return;
    }
    default:
      break;
  }
  if (t <= 0x7f) {
    lua_pushnumber(L, t);
    c.Skip(1);
  } else if (t >= 0xe0) {
    lua_pushnumber(L, static_cast<int8_t>(t));
    c.Skip(1);
  } else if ((t & 0xe0) == 0xa0) {
    size_t len = t & 0x1f;
    if (!c.Need(1 + len)) return;
    lua_pushlstring(L, reinterpret_cast<const char*>(c.p + 1), len);
    c.Skip(1 + len);
  } else if ((t & 0xf0) == 0x90) {
    c.Skip(1);
    DecodeArray(L, c, t & 0x0f, depth);
  } else if ((t & 0xf0) == 0x80) {
    c.Skip(1);
    DecodeMap(L, c, t & 0x0f, depth);
  } else {
    c.bad = true;
  }
}

// lua-cmsgpack's mp_unpack_full: limit and offset 0 decode everything and return the values;
// otherwise the next offset (-1 at the end) comes first.
int UnpackFull(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  bool all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (all) limit = INT_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  int count = 0;
  for (; c.left > 0 && count < limit; ++count) {
    Decode(L, c, 0);
    if (c.eof) return luaL_error(L, "Missing bytes in input.");
    if (c.bad) return luaL_error(L, "Bad data format in input.");
  }
  if (!all) {
    lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
    lua_insert(L, 2);
    ++count;
  }
  return count;
}

int MsgpackUnpack(lua_State* L) { return UnpackFull(L, 0, 0); }

int MsgpackUnpackOne(lua_State* L) {
  lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return UnpackFull(L, 1, offset);
}

int MsgpackUnpackLimit(lua_State* L) {
  lua_Integer limit = luaL_checkinteger(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return UnpackFull(L, limit, offset);
}

void NewLibrary(lua_State* L, const luaL_Reg* fns) {
  lua_newtable(L);
  for (const luaL_Reg* f = fns; f->name != nullptr; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
}

}  // namespace

int OpenStructLibrary(lua_State* L) {
  static const luaL_Reg kFns[] = {
      {"pack", StructPack}, {"unpack", StructUnpack}, {"size", StructSize}, {nullptr, nullptr}};
  NewLibrary(L, kFns);
  return 1;
}

int OpenMsgpackLibrary(lua_State* L) {
  static const luaL_Reg kFns[] = {{"pack", MsgpackPack},
                                  {"unpack", MsgpackUnpack},
                                  {"unpack_one", MsgpackUnpackOne},
                                  {"unpack_limit", MsgpackUnpackLimit},
                                  {nullptr, nullptr}};
  NewLibrary(L, kFns);
  lua_pushstring(L, "lua-cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushstring(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  return 1;
}

}  // namespace sable
