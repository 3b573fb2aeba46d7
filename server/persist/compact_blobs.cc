#include "server/persist/compact_blobs.h"

#include <cstdint>
#include <cstring>

#include "server/util/numbers.h"

namespace sable {
namespace {

// Little-endian unsigned read of n bytes (the caller checked the bounds).
uint64_t ReadLe(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Sign-extends the low `bits` bits of v.
int64_t SignExtend(uint64_t v, int bits) {
  if (bits == 64) return static_cast<int64_t>(v);
  uint64_t sign = 1ull << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

bool Fail(std::string* err, const char* why) {
  *err = why;
  return false;
}

// Bytes the listpack back-length of an entry of `len` bytes takes.
size_t BacklenSize(uint64_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

void AppendBacklen(std::string* out, uint64_t len) {
  size_t n = BacklenSize(len);
  unsigned char buf[5];
  // Most significant group first, every byte but the first with the high bit set, so it reads
  // back from the entry's end.
  for (size_t i = 0; i < n; ++i) {
    size_t shift = 7 * (n - 1 - i);
    buf[i] = static_cast<unsigned char>((len >> shift) & 127);
    if (i > 0) buf[i] |= 128;
  }
  out->append(reinterpret_cast<char*>(buf), n);
}

void AppendLe(std::string* out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

bool DecodeListpack(std::string_view blob, std::vector<std::string>* out, std::string* err) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t size = blob.size();
  if (size < 7) return Fail(err, "listpack shorter than its header");
  if (ReadLe(p, 4) != size) return Fail(err, "listpack total bytes do not match");
  uint64_t declared = ReadLe(p + 4, 2);
  size_t pos = 6;
  size_t start = out->size();
  for (;;) {
    if (pos >= size) return Fail(err, "listpack without terminator");
    unsigned char b = p[pos];
    if (b == 0xff) break;
    size_t header;
    uint64_t data_len = 0;
    bool is_int = true;
    int bits = 0;
    if ((b & 0x80) == 0) {
      header = 1;
      bits = -1;  // 7-bit unsigned, in the byte itself
    } else if ((b & 0xc0) == 0x80) {
      header = 1;
      data_len = b & 0x3f;
      is_int = false;
    } else if ((b & 0xe0) == 0xc0) {
      header = 2;
      bits = 13;
    } else if ((b & 0xf0) == 0xe0) {
      header = 2;
      is_int = false;
    } else if (b == 0xf0) {
      header = 5;
      is_int = false;
    } else if (b >= 0xf1 && b <= 0xf4) {
      static const int kBytes[] = {2, 3, 4, 8};
      header = 1;
      data_len = static_cast<uint64_t>(kBytes[b - 0xf1]);
      bits = kBytes[b - 0xf1] * 8;
    } else {
      return Fail(err, "listpack entry with a bad encoding");
    }
    if (size - pos < header + 1) return Fail(err, "listpack entry truncated");
    if ((b & 0xf0) == 0xe0) data_len = (static_cast<uint64_t>(b & 0x0f) << 8) | p[pos + 1];
    if (b == 0xf0) data_len = ReadLe(p + pos + 1, 4);
    uint64_t entry_len = header + data_len;
    size_t backlen = BacklenSize(entry_len);
    if (data_len > size || size - pos < entry_len + backlen + 1) {
      return Fail(err, "listpack entry truncated");
    }
    // The back-length must read back, from the entry's end, as the entry's size.
    uint64_t back = 0;
    for (size_t i = 0; i < backlen; ++i) {
      unsigned char c = p[pos + entry_len + backlen - 1 - i];
      back |= static_cast<uint64_t>(c & 127) << (7 * i);
      bool more = c & 128;
      if (more != (i + 1 < backlen)) return Fail(err, "listpack back-length is corrupt");
    }
    if (back != entry_len) return Fail(err, "listpack back-length does not match");
    const unsigned char* data = p + pos + header;
    if (!is_int) {
      out->emplace_back(reinterpret_cast<const char*>(data), data_len);
    } else {
      int64_t v;
      if (bits == -1) {
        v = b & 0x7f;
      } else if (bits == 13) {
        v = SignExtend((static_cast<uint64_t>(b & 0x1f) << 8) | p[pos + 1], 13);
      } else {
        v = SignExtend(ReadLe(data, data_len), bits);
      }
      char buf[24];
      out->emplace_back(buf, FormatInt64(v, buf));
    }
    pos += entry_len + backlen;
  }
  if (pos + 1 != size) return Fail(err, "listpack has bytes after its terminator");
  if (declared != 65535 && declared != out->size() - start) {
    return Fail(err, "listpack entry count does not match");
  }
  return true;
}

bool DecodeZiplist(std::string_view blob, std::vector<std::string>* out, std::string* err) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t size = blob.size();
  if (size < 11) return Fail(err, "ziplist shorter than its header");
  if (ReadLe(p, 4) != size) return Fail(err, "ziplist total bytes do not match");
  uint64_t tail = ReadLe(p + 4, 4);
  uint64_t declared = ReadLe(p + 8, 2);
  if (tail >= size) return Fail(err, "ziplist tail offset out of range");
  size_t pos = 10;
  size_t prev_len = 0;
  size_t last_start = 10;
  size_t start = out->size();
  for (;;) {
    if (pos >= size) return Fail(err, "ziplist without terminator");
    if (p[pos] == 0xff) break;
    size_t entry_start = pos;
    uint64_t prevlen;
    if (p[pos] < 254) {
      prevlen = p[pos];
      pos += 1;
    } else {
      if (size - pos < 5) return Fail(err, "ziplist entry truncated");
      prevlen = ReadLe(p + pos + 1, 4);
      pos += 5;
    }
    if (prevlen != prev_len) return Fail(err, "ziplist prevlen does not match");
    if (pos >= size) return Fail(err, "ziplist entry truncated");
    unsigned char b = p[pos];
    uint64_t data_len = 0;
    size_t header = 1;
    bool is_int = true;
    int64_t v = 0;
    switch (b >> 6) {
      case 0:
        data_len = b & 0x3f;
        is_int = false;
        break;
      case 1:
        header = 2;
        is_int = false;
        break;
      case 2:
        header = 5;
        is_int = false;
        break;
      default:
        if (b == 0xc0) {
          data_len = 2;
        } else if (b == 0xd0) {
          data_len = 4;
        } else if (b == 0xe0) {
          data_len = 8;
        } else if (b == 0xf0) {
          data_len = 3;
        } else if (b == 0xfe) {
          data_len = 1;
        } else if (b >= 0xf1 && b <= 0xfd) {
          v = (b & 0x0f) - 1;
        } else {
          return Fail(err, "ziplist entry with a bad encoding");
        }
    }
    if (size - pos < header + 1) return Fail(err, "ziplist entry truncated");
    if (header == 2) data_len = (static_cast<uint64_t>(b & 0x3f) << 8) | p[pos + 1];
    if (header == 5) {
      data_len = (static_cast<uint64_t>(p[pos + 1]) << 24) | (static_cast<uint64_t>(p[pos + 2]) << 16) |
                 (static_cast<uint64_t>(p[pos + 3]) << 8) | p[pos + 4];
    }
    if (data_len > size || size - pos < header + data_len + 1) {
      return Fail(err, "ziplist entry truncated");
    }
    const unsigned char* data = p + pos + header;
    if (!is_int) {
      out->emplace_back(reinterpret_cast<const char*>(data), data_len);
    } else {
      if (data_len > 0) v = SignExtend(ReadLe(data, data_len), static_cast<int>(data_len * 8));
      char buf[24];
      out->emplace_back(buf, FormatInt64(v, buf));
    }
    pos += header + data_len;
    prev_len = pos - entry_start;
    last_start = entry_start;
  }
  if (pos + 1 != size) return Fail(err, "ziplist has bytes after its terminator");
  size_t count = out->size() - start;
  if (count > 0 && tail != last_start) return Fail(err, "ziplist tail offset does not match");
  if (declared != 65535 && declared != count) return Fail(err, "ziplist entry count does not match");
  return true;
}

bool DecodeIntset(std::string_view blob, std::vector<std::string>* out, std::string* err) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < 8) return Fail(err, "intset shorter than its header");
  uint64_t enc = ReadLe(p, 4);
  uint64_t len = ReadLe(p + 4, 4);
  if (enc != 2 && enc != 4 && enc != 8) return Fail(err, "intset with a bad encoding");
  if (blob.size() != 8 + len * enc) return Fail(err, "intset size does not match its length");
  int64_t prev = 0;
  for (uint64_t i = 0; i < len; ++i) {
    int64_t v = SignExtend(ReadLe(p + 8 + i * enc, enc), static_cast<int>(enc * 8));
    if (i > 0 && v <= prev) return Fail(err, "intset is not sorted or has duplicates");
    prev = v;
    char buf[24];
    out->emplace_back(buf, FormatInt64(v, buf));
  }
  return true;
}

bool DecodeZipmap(std::string_view blob, std::vector<std::string>* out, std::string* err) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  size_t size = blob.size();
  if (size < 2) return Fail(err, "zipmap shorter than its header");
  size_t pos = 1;  // zmlen: a hint only
  auto read_len = [&](uint64_t* len) {
    if (pos >= size) return false;
    if (p[pos] < 254) {
      *len = p[pos++];
      return true;
    }
    if (p[pos] != 254 || size - pos < 5) return false;
    *len = ReadLe(p + pos + 1, 4);
    pos += 5;
    return true;
  };
  for (;;) {
    if (pos >= size) return Fail(err, "zipmap without terminator");
    if (p[pos] == 0xff) break;
    uint64_t klen, vlen;
    if (!read_len(&klen) || klen > size - pos) return Fail(err, "zipmap key truncated");
    out->emplace_back(reinterpret_cast<const char*>(p + pos), klen);
    pos += klen;
    if (!read_len(&vlen) || pos >= size) return Fail(err, "zipmap value truncated");
    uint64_t free_bytes = p[pos++];
    if (vlen > size - pos || free_bytes > size - pos - vlen) {
      return Fail(err, "zipmap value truncated");
    }
    out->emplace_back(reinterpret_cast<const char*>(p + pos), vlen);
    pos += vlen + free_bytes;
  }
  if (pos + 1 != size) return Fail(err, "zipmap has bytes after its terminator");
  return true;
}

std::string EncodeListpack(const std::vector<std::string_view>& entries) {
  std::string out(6, '\0');
  for (std::string_view s : entries) {
    size_t entry_start = out.size();
    int64_t v;
    if (s.size() <= 20 && ParseInt64(s, &v)) {
      if (v >= 0 && v <= 127) {
        out.push_back(static_cast<char>(v));
      } else if (v >= -4096 && v <= 4095) {
        uint64_t u = static_cast<uint64_t>(v) & 0x1fff;
        out.push_back(static_cast<char>(0xc0 | (u >> 8)));
        out.push_back(static_cast<char>(u & 0xff));
      } else if (v >= INT16_MIN && v <= INT16_MAX) {
        out.push_back(static_cast<char>(0xf1));
        AppendLe(&out, static_cast<uint64_t>(v), 2);
      } else if (v >= -(1 << 23) && v < (1 << 23)) {
        out.push_back(static_cast<char>(0xf2));
        AppendLe(&out, static_cast<uint64_t>(v), 3);
      } else if (v >= INT32_MIN && v <= INT32_MAX) {
        out.push_back(static_cast<char>(0xf3));
        AppendLe(&out, static_cast<uint64_t>(v), 4);
      } else {
        out.push_back(static_cast<char>(0xf4));
        AppendLe(&out, static_cast<uint64_t>(v), 8);
      }
    } else if (s.size() < 64) {
      out.push_back(static_cast<char>(0x80 | s.size()));
      out.append(s);
    } else if (s.size() < 4096) {
      out.push_back(static_cast<char>(0xe0 | (s.size() >> 8)));
      out.push_back(static_cast<char>(s.size() & 0xff));
      out.append(s);
    } else {
      out.push_back(static_cast<char>(0xf0));
      AppendLe(&out, s.size(), 4);
      out.append(s);
    }
    AppendBacklen(&out, out.size() - entry_start);
  }
  out.push_back(static_cast<char>(0xff));
  uint64_t total = out.size();
  uint64_t count = entries.size() < 65535 ? entries.size() : 65535;
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((total >> (8 * i)) & 0xff);
  out[4] = static_cast<char>(count & 0xff);
  out[5] = static_cast<char>(count >> 8);
  return out;
}

}  // namespace sable
